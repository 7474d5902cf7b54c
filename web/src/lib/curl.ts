/** Quote for a POSIX shell: single quotes, embedded ones closed and escaped. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const SKIP = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'accept-encoding',
  'cookie',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
]);
const AUTH = new Set(['authorization', 'x-api-key', 'x-goog-api-key']);

/**
 * A curl command replaying a request. Secrets are never in the captured headers in clear, so
 * auth headers are written with a $TRESOR_API_KEY placeholder for the user to fill in.
 */
export function curlFor(opts: { url: string; method?: string; headers?: Record<string, string>; body?: string }): string {
  const parts = [`curl -X ${opts.method ?? 'POST'} ${shellQuote(opts.url)}`];
  let hasType = false;
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    const name = k.toLowerCase();
    if (SKIP.has(name)) continue;
    if (name === 'content-type') hasType = true;
    if (AUTH.has(name)) {
      parts.push(`-H ${name === 'authorization' ? `"authorization: Bearer $TRESOR_API_KEY"` : `"${name}: $TRESOR_API_KEY"`}`);
      continue;
    }
    parts.push(`-H ${shellQuote(`${name}: ${v}`)}`);
  }
  if (!hasType && opts.body !== undefined) parts.push(`-H 'content-type: application/json'`);
  if (opts.body !== undefined) parts.push(`--data-raw ${shellQuote(opts.body)}`);
  return parts.join(' \\\n  ');
}
