import { z } from 'zod';
import type { PluginDefinition } from '../types.js';

/**
 * Headers a plugin must never set: the downstream's auth (the gateway sets it from the
 * downstream's key) and hop-by-hop/framing headers (the HTTP client owns them).
 */
const PROTECTED = new Set([
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'proxy-authorization',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
]);

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a valid header name');

const schema = z
  .object({
    headers: z
      .record(
        headerName,
        z.string().refine((v) => !/[\r\n]/.test(v), 'must not contain line breaks'),
      )
      .default({})
      .describe('Headers to set on the request sent downstream (auth and hop-by-hop headers are ignored)'),
  })
  .strict();

export const customHeaderPlugin: PluginDefinition<z.infer<typeof schema>> = {
  id: 'custom_header',
  description: 'Sets extra HTTP headers on the request sent to the downstream (auth and hop-by-hop headers cannot be overridden).',
  configSchema: schema,
  kind: 'transform',
  touchesBody: false,
  create(config) {
    // auth and hop-by-hop names are accepted in the config (the admin API shows them, masked)
    // but never sent: the downstream's own key and the HTTP client own those headers
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
