import type { Usage } from '../../ir/types.js';
import { isRecord, num, type WireUsage } from './wire.js';

/**
 * Anthropic usage → hub usage. Anthropic's `input_tokens` leaves out cache reads and cache
 * writes; the hub's inputTokens counts every prompt token. `previous` fills counters a
 * `message_delta` leaves out (it repeats only what it knows).
 */
export function usageFromAnthropic(u: unknown, previous?: Partial<Usage>): Partial<Usage> {
  if (!isRecord(u)) return {};
  const input = num(u.input_tokens);
  const cacheRead = num(u.cache_read_input_tokens) ?? previous?.cacheReadTokens;
  const cacheCreation = num(u.cache_creation_input_tokens) ?? previous?.cacheCreationTokens;
  const out: Partial<Usage> = {};
  if (input !== undefined) out.inputTokens = input + (cacheRead ?? 0) + (cacheCreation ?? 0);
  else if (previous?.inputTokens !== undefined) {
    // Only the cache counters changed: rebuild the total from the previous plain input.
    const plain = previous.inputTokens - (previous.cacheReadTokens ?? 0) - (previous.cacheCreationTokens ?? 0);
    out.inputTokens = plain + (cacheRead ?? 0) + (cacheCreation ?? 0);
  }
  const output = num(u.output_tokens);
  if (output !== undefined) out.outputTokens = output;
  if (cacheRead !== undefined) out.cacheReadTokens = cacheRead;
  if (cacheCreation !== undefined) out.cacheCreationTokens = cacheCreation;
  const details = u.output_tokens_details;
  if (isRecord(details)) {
    const thinking = num(details.thinking_tokens);
    if (thinking !== undefined) out.reasoningTokens = thinking;
  }
  return out;
}

/** Hub usage → Anthropic usage (input_tokens without the cached part). */
export function usageToAnthropic(u: Partial<Usage> | undefined): WireUsage {
  const cacheRead = u?.cacheReadTokens ?? 0;
  const cacheCreation = u?.cacheCreationTokens ?? 0;
  const wire: WireUsage = {
    input_tokens: Math.max(0, (u?.inputTokens ?? 0) - cacheRead - cacheCreation),
    cache_creation_input_tokens: cacheCreation,
    cache_read_input_tokens: cacheRead,
    output_tokens: u?.outputTokens ?? 0,
  };
  if (u?.reasoningTokens !== undefined) wire.output_tokens_details = { thinking_tokens: u.reasoningTokens };
  return wire;
}
