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
        // turns with nothing comparable (reasoning only) are no evidence of a loop
        if (last[0] === '[]' || !last.every((s) => s === last[0])) return;
        const tail = req.messages[req.messages.length - 1];
        if (tail && tail.role === 'user') tail.parts = [...tail.parts, { type: 'text', text: config.reminder }];
        else req.messages.push({ role: 'user', parts: [{ type: 'text', text: config.reminder }] });
      },
    };
  },
};

/**
 * What the turn said: its text and tool calls, ignoring tool-call ids (which differ between
 * identical calls) and reasoning (whether the client sent it back varies by format).
 */
function signature(m: Message): string {
  return JSON.stringify(
    m.parts.flatMap((p): (string | string[])[] => {
      if (p.type === 'text') return p.text.trim() ? [p.text.trim()] : [];
      if (p.type === 'tool_call') return [[p.name, canonicalJson(p.arguments)]];
      return [];
    }),
  );
}

/** Arguments compared as values, so `{"a":1, "b":2}` and `{"b":2,"a":1}` are the same call. */
function canonicalJson(text: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(text)));
  } catch {
    return text;
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}
