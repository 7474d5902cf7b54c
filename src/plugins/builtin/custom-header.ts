import { z } from 'zod';
import type { PluginDefinition } from '../types.js';

/** Headers a plugin must never set: the downstream's auth and hop-by-hop headers. */
const PROTECTED = new Set([
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
]);

const schema = z
  .object({
    headers: z
      .record(
        z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a valid header name'),
        z.string().refine((v) => !/[\r\n]/.test(v), 'must not contain line breaks'),
      )
      .default({})
      .describe('Headers to set on the request sent downstream'),
  })
  .strict();

export const customHeaderPlugin: PluginDefinition<z.infer<typeof schema>> = {
  id: 'custom_header',
  description: 'Sets extra HTTP headers on the request sent to the downstream (auth and hop-by-hop headers cannot be overridden).',
  configSchema: schema,
  kind: 'transform',
  touchesBody: false,
  create(config) {
    const entries = Object.entries(config.headers)
      .map(([k, v]) => [k.toLowerCase(), v] as const)
      .filter(([k]) => !PROTECTED.has(k));
    return {
      headers(headers) {
        for (const [k, v] of entries) headers[k] = v;
      },
    };
  },
};
