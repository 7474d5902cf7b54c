import { z } from 'zod';
import type { ImagePart, Message } from '../../ir/types.js';
import type { PluginDefinition } from '../types.js';

const schema = z
  .object({
    note: z.string().default('').describe('Optional text placed before the moved images (e.g. "Images returned by the tools above:")'),
  })
  .strict();

/**
 * Some Anthropic-compatible providers ignore images inside tool_result content. This moves
 * them into the user turn that carries the results, right after the tool results.
 */
export const fixAnthropicImagesPlugin: PluginDefinition<z.infer<typeof schema>> = {
  id: 'fix_anthropic_images',
  description: 'Moves images found inside tool results to the top level of the following user message, for providers that ignore images there.',
  configSchema: schema,
  kind: 'transform',
  touchesBody: true,
  create(config) {
    return {
      request(req) {
        const out: Message[] = [];
        for (const m of req.messages) {
          out.push(m);
          if (m.role !== 'tool') continue;
          const moved: ImagePart[] = [];
          for (const p of m.parts) {
            if (p.type !== 'tool_result') continue;
            const kept = p.content.filter((c) => {
              if (c.type === 'image') {
                moved.push(c);
                return false;
              }
              return true;
            });
            if (kept.length !== p.content.length) {
              p.content = kept.length ? kept : [{ type: 'text', text: '(image moved to the message)' }];
            }
          }
          if (moved.length) {
            out.push({ role: 'user', parts: [...(config.note ? [{ type: 'text' as const, text: config.note }] : []), ...moved] });
          }
        }
        req.messages = out;
      },
    };
  },
};
