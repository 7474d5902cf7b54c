import type { Usage } from '../../ir/types.js';
import { isRecord, num, type JsonRecord } from './wire.js';

/**
 * Chat Completions usage → hub usage. `prompt_tokens` already includes cached tokens and
 * `completion_tokens` already includes reasoning, which is the hub's meaning, except for
 * xAI: its `completion_tokens` leaves reasoning out (total = prompt + completion +
 * reasoning). That case is recognised by the arithmetic of `total_tokens`.
 */
export function decodeOpenAIUsage(u: JsonRecord): Usage {
  const input = num(u.prompt_tokens) ?? 0;
  let output = num(u.completion_tokens) ?? 0;
  const promptDetails = isRecord(u.prompt_tokens_details) ? u.prompt_tokens_details : undefined;
  const completionDetails = isRecord(u.completion_tokens_details) ? u.completion_tokens_details : undefined;
  const reasoning = num(completionDetails?.reasoning_tokens) ?? num(u.reasoning_tokens);
  const total = num(u.total_tokens);
  if (reasoning && total !== undefined && total !== input + output && total === input + output + reasoning) {
    output += reasoning;
  }
  const usage: Usage = { inputTokens: input, outputTokens: output };
  // DeepSeek reports its cache hits in its own field (and also in prompt_tokens_details).
  const cached = num(promptDetails?.cached_tokens) ?? num(u.prompt_cache_hit_tokens);
  if (cached !== undefined) usage.cacheReadTokens = cached;
  const cacheWrite = num(promptDetails?.cache_write_tokens) ?? num(promptDetails?.cache_creation_tokens);
  if (cacheWrite !== undefined) usage.cacheCreationTokens = cacheWrite;
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  return usage;
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

/** Hub usage → Chat Completions usage (cache writes are part of prompt_tokens; OpenAI has no field for them). */
export function encodeOpenAIUsage(u: Partial<Usage> | undefined): OpenAIUsage {
  const prompt = u?.inputTokens ?? 0;
  const completion = u?.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: u?.cacheReadTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: u?.reasoningTokens ?? 0 },
  };
}
