import type { Family, ReasoningPart } from './types.js';

/**
 * Reasoning continuity. Clients of another provider family never send back the signed
 * reasoning (Anthropic thinking blocks, Gemini thought signatures) that the provider needs
 * to see again on a tool-use follow-up. The gateway keeps what it saw, keyed by the
 * tool-call id it was attached to, and restores it when that call comes back in history.
 *
 * Bounded LRU (Map insertion order); entries also expire after `ttlMs`.
 */
export interface StoredReasoning {
  family: Family;
  parts: ReasoningPart[];
  /** Gemini: the thoughtSignature of the functionCall part itself. */
  thoughtSignature?: string;
  /** OpenAI Responses: the function_call item's own id (fc_…), which its reasoning item pairs with. */
  itemId?: string;
}

export class ReasoningStore {
  private map = new Map<string, { at: number; value: StoredReasoning }>();
  constructor(
    private readonly maxEntries = 10_000,
    private readonly ttlMs = 6 * 60 * 60 * 1000,
  ) {}

  put(toolCallId: string, value: StoredReasoning): void {
    if (!toolCallId) return;
    this.map.delete(toolCallId);
    this.map.set(toolCallId, { at: Date.now(), value });
    if (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }

  get(toolCallId: string, family: Family): StoredReasoning | undefined {
    const hit = this.map.get(toolCallId);
    if (!hit) return undefined;
    if (Date.now() - hit.at > this.ttlMs) {
      this.map.delete(toolCallId);
      return undefined;
    }
    return hit.value.family === family ? hit.value : undefined;
  }

  get size(): number {
    return this.map.size;
  }
}
