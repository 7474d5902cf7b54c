import type { Usage } from '../../ir/types.js';
import type { GeminiUsageMetadata } from './wire.js';

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/**
 * Gemini usageMetadata → hub usage. promptTokenCount already includes cachedContentTokenCount;
 * toolUsePromptTokenCount (search/URL-context results fed back to the model) is prompt-side
 * too. candidatesTokenCount excludes thoughtsTokenCount, the hub's output includes it.
 * Undefined when the metadata carries no counts (Vertex stream chunks hold only trafficType).
 */
export function fromGeminiUsage(meta: unknown): Usage | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const m = meta as GeminiUsageMetadata;
  if (m.promptTokenCount === undefined && m.candidatesTokenCount === undefined && m.thoughtsTokenCount === undefined) return undefined;
  const thoughts = count(m.thoughtsTokenCount);
  const usage: Usage = {
    inputTokens: count(m.promptTokenCount) + count(m.toolUsePromptTokenCount),
    outputTokens: count(m.candidatesTokenCount) + thoughts,
  };
  if (m.cachedContentTokenCount !== undefined) usage.cacheReadTokens = count(m.cachedContentTokenCount);
  if (m.thoughtsTokenCount !== undefined) usage.reasoningTokens = thoughts;
  return usage;
}

/** Hub usage → Gemini usageMetadata, in the field order Google writes. */
export function toGeminiUsage(usage: Partial<Usage>): GeminiUsageMetadata {
  const input = count(usage.inputTokens);
  const output = count(usage.outputTokens);
  const reasoning = Math.min(count(usage.reasoningTokens), output);
  const meta: GeminiUsageMetadata = {
    promptTokenCount: input,
    candidatesTokenCount: output - reasoning,
    totalTokenCount: input + output,
  };
  if (usage.cacheReadTokens) meta.cachedContentTokenCount = usage.cacheReadTokens;
  if (reasoning > 0) meta.thoughtsTokenCount = reasoning;
  return meta;
}
