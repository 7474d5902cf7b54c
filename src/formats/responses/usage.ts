import type { Usage } from '../../ir/types.js';
import { isRecord, num } from './wire.js';

/** Responses usage wire shape. */
export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/**
 * Responses usage → hub. The API's meaning already matches the hub's: input_tokens includes
 * cached tokens, output_tokens includes reasoning tokens.
 */
export function usageFromResponses(u: unknown): Usage | undefined {
  if (!isRecord(u)) return undefined;
  const usage: Usage = { inputTokens: num(u.input_tokens) ?? 0, outputTokens: num(u.output_tokens) ?? 0 };
  const inDetails = u.input_tokens_details;
  if (isRecord(inDetails)) {
    const cached = num(inDetails.cached_tokens);
    if (cached !== undefined) usage.cacheReadTokens = cached;
    // Some Responses-compatible servers (GitHub Copilot) also report cache writes.
    const written = num(inDetails.cache_write_tokens);
    if (written) usage.cacheCreationTokens = written;
  }
  const outDetails = u.output_tokens_details;
  if (isRecord(outDetails)) {
    const reasoning = num(outDetails.reasoning_tokens);
    if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  }
  return usage;
}

export function usageToResponses(u: Partial<Usage> | undefined): ResponsesUsage {
  const input = u?.inputTokens ?? 0;
  const output = u?.outputTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u?.cacheReadTokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: u?.reasoningTokens ?? 0 },
    total_tokens: input + output,
  };
}
