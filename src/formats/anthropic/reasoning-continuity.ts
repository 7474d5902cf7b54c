import type { ReasoningStore } from '../../ir/reasoning-store.js';
import { thinkingBlock, toolUseIds, type Turn } from './convert-to-anthropic-messages.js';
import type { WireBlock } from './wire.js';

/**
 * Anthropic's extended-thinking rule: with thinking on, each assistant turn of the current
 * tool loop that holds tool_use must begin with the signed thinking block(s) the API
 * returned for it. Clients of other formats never send those back, so they are restored
 * from the reasoning store (filled when the response was decoded), keyed by tool-use id.
 *
 * Returns false when some turn cannot be restored (or the history ends with an assistant
 * prefill without thinking); the caller then sends the request without thinking, the one
 * setting under which the API accepts such a history. Nothing is changed in that case.
 */
export function restoreThinkingBlocks(turns: Turn[], store: ReasoningStore): boolean {
  // The current tool loop: everything after the last user turn that is not just tool results.
  let start = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    if (turns[i].role === 'user' && turns[i].results.length === 0) {
      start = i + 1;
      break;
    }
  }
  const pending: { turn: Turn; blocks: WireBlock[] }[] = [];
  for (let i = start; i < turns.length; i++) {
    const turn = turns[i];
    if (turn.role !== 'assistant' || startsWithSignedThinking(turn)) continue;
    const ids = toolUseIds(turn);
    if (ids.length === 0) {
      // A final assistant turn (a prefill) must lead with thinking too; nothing to restore it from.
      if (i === turns.length - 1) return false;
      continue;
    }
    const blocks = storedThinking(ids, store);
    if (!blocks) return false;
    pending.push({ turn, blocks });
  }
  for (const p of pending) p.turn.content.unshift(...p.blocks);
  return true;
}

export function startsWithSignedThinking(turn: Turn): boolean {
  const first = turn.content[0];
  if (!first) return false;
  if (first.type === 'redacted_thinking') return true;
  return first.type === 'thinking' && typeof first.signature === 'string' && first.signature !== '';
}

function storedThinking(ids: string[], store: ReasoningStore): WireBlock[] | undefined {
  for (const id of ids) {
    const hit = store.get(id, 'anthropic');
    if (!hit) continue;
    const blocks: WireBlock[] = [];
    for (const part of hit.parts) {
      const b = thinkingBlock(part);
      if (b) blocks.push(b);
    }
    if (blocks.length > 0) return blocks;
  }
  return undefined;
}
