import type { CapturedBody } from '../observe/types.js';

/** Accumulates a body up to `limit` bytes (by UTF-16 length, close enough for a cap). */
export class BodyCapture {
  private parts: string[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  add(chunk: string | Buffer): void {
    if (this.truncated) return;
    const s = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const room = this.limit - this.size;
    if (s.length > room) {
      this.parts.push(s.slice(0, room));
      this.size = this.limit;
      this.truncated = true;
      return;
    }
    this.parts.push(s);
    this.size += s.length;
  }

  result(): CapturedBody {
    return { body: this.parts.join(''), truncated: this.truncated };
  }
}

export function captureOf(text: string | Buffer, limit: number): CapturedBody {
  const c = new BodyCapture(limit);
  c.add(text);
  return c.result();
}

const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'x-goog-api-key', 'cookie', 'proxy-authorization', 'set-cookie']);

/** Headers for the inspector, with secrets masked as `sk-…abcd`. */
export function maskHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const s = Array.isArray(v) ? v.join(', ') : v;
    out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? maskSecret(s) : s;
  }
  return out;
}

/** First 3 and last 4 characters (SPEC §8); short secrets are hidden entirely. */
export function maskSecret(s: string): string {
  const bearer = s.startsWith('Bearer ') ? 'Bearer ' : '';
  const v = bearer ? s.slice(7) : s;
  if (v.length <= 10) return bearer + '…';
  return `${bearer}${v.slice(0, 3)}…${v.slice(-4)}`;
}
