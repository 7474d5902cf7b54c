import type { IncomingHttpHeaders } from 'node:http';
import { safeEqual } from '../admin/auth.js';

/**
 * The key a client presented, in any of the places the four SDKs put it:
 * Authorization: Bearer, x-api-key (Anthropic), x-goog-api-key or ?key= (Gemini).
 */
export function presentedKey(headers: IncomingHttpHeaders, query: string): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim();
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x) return x;
  const g = headers['x-goog-api-key'];
  if (typeof g === 'string' && g) return g;
  if (query && query.includes('key=')) {
    const k = new URLSearchParams(query).get('key');
    if (k) return k;
  }
  return undefined;
}

/** Constant-time check against every configured key (no early exit on a match). */
export function isAllowedKey(key: string | undefined, allowed: readonly string[]): boolean {
  if (key === undefined) return false;
  let ok = false;
  for (const a of allowed) if (safeEqual(key, a)) ok = true;
  return ok;
}
