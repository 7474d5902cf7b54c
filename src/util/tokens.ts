import { createRequire } from 'node:module';
import type { Part, Request } from '../ir/types.js';

type CountTokens = (text: string) => number;
let loadedCounter: CountTokens | undefined;

/**
 * The o200k tables cost ~60 MB of RSS and a few hundred ms to load, and only count_tokens
 * across formats and fix_anthropic_usage ever need them: load on first use, not at start-up.
 */
function countTokens(text: string): number {
  loadedCounter ??= (createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as { countTokens: CountTokens }).countTokens;
  return loadedCounter(text);
}

/**
 * Local token estimates (o200k_base BPE). Used only where the provider gives no count:
 * count_tokens for downstreams of another format, and usage a provider left out. Other
 * providers' tokenizers differ, so these are estimates, documented as such.
 */
export function estimateTextTokens(text: string): number {
  if (!text) return 0;
  return countTokens(text);
}

/** Fixed per-image estimate (what a ~1 MP image costs on most providers, give or take). */
const IMAGE_TOKENS = 1_000;
const PER_MESSAGE_OVERHEAD = 4;

export function estimatePartTokens(p: Part): number {
  switch (p.type) {
    case 'text':
      return estimateTextTokens(p.text);
    case 'image':
    case 'document':
      return IMAGE_TOKENS;
    case 'tool_call':
      return estimateTextTokens(p.name) + estimateTextTokens(p.arguments);
    case 'tool_result':
      return p.content.reduce((n, c) => n + estimatePartTokens(c), 0) + 4;
    case 'reasoning':
      return estimateTextTokens(p.text);
  }
}

export function estimateRequestTokens(req: Request): number {
  let n = 0;
  for (const s of req.system) n += estimateTextTokens(s.text) + PER_MESSAGE_OVERHEAD;
  for (const m of req.messages) {
    n += PER_MESSAGE_OVERHEAD;
    for (const p of m.parts) n += estimatePartTokens(p);
  }
  for (const t of req.tools ?? []) {
    if (t.type === 'function') n += estimateTextTokens(t.name) + estimateTextTokens(t.description ?? '') + estimateTextTokens(JSON.stringify(t.parameters));
  }
  return n;
}
