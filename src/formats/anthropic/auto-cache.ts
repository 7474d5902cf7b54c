import type { WireTool } from './prepare-tools.js';
import type { JsonRecord, WireBlock, WireMessage, WireSystemBlock } from './wire.js';

/** Anthropic accepts at most this many cache_control breakpoints per request. */
export const MAX_CACHE_BREAKPOINTS = 4;

const EPHEMERAL = { type: 'ephemeral' } as const;

interface CacheTarget {
  tools?: WireTool[];
  system?: WireSystemBlock[];
  messages: WireMessage[];
}

/**
 * Automatic prompt-cache breakpoints for clients that cannot set their own (other formats).
 * Deterministic, in priority order: end of the tools, end of the system prompt, the last
 * user turn, the user turn before it; never more than four in all, counting any already
 * present. Marks the last block of each place; content is never moved.
 */
export function placeCacheBreakpoints(body: CacheTarget): void {
  let budget = MAX_CACHE_BREAKPOINTS - countBreakpoints(body);
  if (budget <= 0) return;

  const tools = body.tools;
  if (tools && tools.length > 0) {
    const last = tools.length - 1;
    if (!tools[last].cache_control) {
      // Server tools are the hub's raw objects: copy before marking.
      tools[last] = { ...tools[last], cache_control: EPHEMERAL };
      budget--;
    }
  }
  const system = body.system;
  if (budget > 0 && system && system.length > 0) {
    const last = system[system.length - 1];
    if (!last.cache_control) {
      last.cache_control = EPHEMERAL;
      budget--;
    }
  }
  let userTurns = 0;
  for (let i = body.messages.length - 1; i >= 0 && budget > 0 && userTurns < 2; i--) {
    const m = body.messages[i];
    if (m.role !== 'user' || m.content.length === 0) continue;
    userTurns++;
    const j = m.content.length - 1;
    const block = m.content[j];
    if (hasCacheControl(block) || block.type === 'thinking' || block.type === 'redacted_thinking') continue;
    m.content[j] = { ...block, cache_control: EPHEMERAL } as WireBlock;
    budget--;
  }
}

export function countBreakpoints(body: CacheTarget): number {
  let n = 0;
  for (const t of body.tools ?? []) if (t.cache_control) n++;
  for (const s of body.system ?? []) if (s.cache_control) n++;
  for (const m of body.messages) {
    for (const b of m.content) {
      if (hasCacheControl(b)) n++;
      if (b.type === 'tool_result' && Array.isArray(b.content)) {
        for (const c of b.content) if (hasCacheControl(c)) n++;
      }
    }
  }
  return n;
}

function hasCacheControl(b: WireBlock | JsonRecord): boolean {
  return (b as { cache_control?: unknown }).cache_control != null;
}
