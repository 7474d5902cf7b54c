import { z } from 'zod';
import type { PluginDefinition } from '../types.js';

const schema = z.object({}).strict();

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
      },
      streamEvent(ev) {
        if (ev.type === 'reasoning') return null;
        if ((ev.type === 'usage' || ev.type === 'finish') && ev.usage?.reasoningTokens) {
          return { ...ev, usage: { ...ev.usage, reasoningTokens: 0 } };
        }
        if (ev.type === 'start' && ev.usage?.reasoningTokens) return { ...ev, usage: { ...ev.usage, reasoningTokens: 0 } };
        return ev;
      },
    };
  },
};
