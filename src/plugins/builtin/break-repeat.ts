import { z } from 'zod';
import type { Message } from '../../ir/types.js';
import type { PluginDefinition } from '../types.js';

const schema = z
  .object({
    reminder: z
      .string()
      .min(1)
      .default('Your last three replies were identical. Do not repeat yourself: try a different approach or explain what is blocking you.')
      .describe('Text added as a user message when the last three assistant turns are identical'),
    turns: z.number().int().min(2).max(10).default(3).describe('How many identical assistant turns in a row trigger the reminder'),
  })
  .strict();

/** Breaks agent loops: when the model keeps answering the same thing, tell it so. */
export const breakRepeatPlugin: PluginDefinition<z.infer<typeof schema>> = {
  id: 'break_repeat',
  description: 'Adds a user reminder when the last assistant turns (three by default) are identical, to break repetition loops.',
  configSchema: schema,
  kind: 'transform',
  touchesBody: true,
  create(config) {
    return {
      request(req) {
        const assistant = req.messages.filter((m) => m.role === 'assistant');
        if (assistant.length < config.turns) return;
        const last = assistant.slice(-config.turns).map(signature);
        if (!last.every((s) => s === last[0])) return;
        const tail = req.messages[req.messages.length - 1];
        if (tail && tail.role === 'user') tail.parts = [...tail.parts, { type: 'text', text: config.reminder }];
        else req.messages.push({ role: 'user', parts: [{ type: 'text', text: config.reminder }] });
      },
    };
  },
};

/** What the turn said, ignoring tool-call ids (which differ between identical calls). */
function signature(m: Message): string {
  return JSON.stringify(
    m.parts.map((p) => (p.type === 'text' ? p.text.trim() : p.type === 'tool_call' ? [p.name, p.arguments] : p.type === 'reasoning' ? '' : p.type)),
  );
}
