import { z } from 'zod';
import type { PluginDefinition } from '../types.js';

const schema = z.object({}).strict();

/** Fields in which OpenAI-compatible providers return reasoning text (DeepSeek, vLLM, OpenRouter). */
const REASONING_FIELDS = new Set(['reasoning_content', 'reasoning_details', 'reasoning_text']);

/** Raw content blocks that are reasoning, in any format (Anthropic, Responses, Gemini). */
function isReasoningBlock(v: unknown): boolean {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return o.type === 'thinking' || o.type === 'redacted_thinking' || o.type === 'reasoning' || o.thought === true;
}

/**
 * Provider fields the hub does not model ride along in `extras` on same-format traffic (a
 * message's `reasoning_details`, the other choices of an n > 1 answer...). Reasoning found
 * there is dropped too, so none reaches the client by that side door. `reasoning` as an
 * object is request configuration echoed back (Responses), not reasoning, and is kept.
 */
function scrubbed(v: unknown, depth = 0): unknown {
  if (depth > 6) return v;
  if (Array.isArray(v)) return v.filter((x) => !isReasoningBlock(x)).map((x) => scrubbed(x, depth + 1));
  if (!v || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (REASONING_FIELDS.has(k) || (k === 'reasoning' && (typeof x === 'string' || Array.isArray(x)))) continue;
    out[k] = scrubbed(x, depth + 1);
  }
  return out;
}

/** Drops reasoning from answers in every format, buffered and streamed, and its token count. */
export const removeThinkingPlugin: PluginDefinition<z.infer<typeof schema>> = {
  id: 'remove_thinking',
  description: 'Removes reasoning/thinking content from responses (all formats, streams included) and reports zero reasoning tokens.',
  configSchema: schema,
  kind: 'transform',
  touchesBody: true,
  create() {
    return {
      response(res) {
        res.parts = res.parts.filter((p) => p.type !== 'reasoning');
        if (res.usage?.reasoningTokens) res.usage.reasoningTokens = 0;
        if (res.extras) res.extras = scrubbed(res.extras) as Record<string, unknown>;
      },
      streamEvent(ev) {
        if (ev.type === 'reasoning') return null;
        if ((ev.type === 'usage' || ev.type === 'finish' || ev.type === 'start') && ev.usage?.reasoningTokens) {
          return { ...ev, usage: { ...ev.usage, reasoningTokens: 0 } };
        }
        return ev;
      },
    };
  },
};
