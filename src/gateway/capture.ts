import type { IncomingHttpHeaders } from 'node:http';
import type { CapturedBody, CapturedPayloads, PayloadSource } from '../observe/types.js';

/**
 * A body as it passed through, kept by reference (the request's own Buffers and strings, no
 * copy) up to `limit` bytes; it becomes text only when someone reads it. Capturing thus costs
 * the request a few array pushes; keeping the newest hundred captures costs the garbage
 * collector more (they outlive a scavenge or two), measured in the README's Performance section.
 */
export class BodyCapture {
  private parts: (string | Buffer)[] = [];
  /** Bytes for Buffers, UTF-16 units for strings: close enough for a cap the store enforces exactly. */
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  add(chunk: string | Buffer): void {
    if (this.truncated) return;
    const room = this.limit - this.size;
    if (chunk.length > room) {
      this.parts.push(typeof chunk === 'string' ? chunk.slice(0, room) : chunk.subarray(0, room));
      this.size = this.limit;
      this.truncated = true;
      return;
    }
    this.parts.push(chunk);
    this.size += chunk.length;
  }

  /** The text; Buffers are decoded together, so a character split between two chunks stays whole. */
  result(): CapturedBody {
    const p = this.parts;
    let body: string;
    if (p.length === 1 && typeof p[0] === 'string') body = p[0];
    else if (p.every((x) => typeof x === 'string')) body = p.join('');
    else body = Buffer.concat(p.map((x) => (typeof x === 'string' ? Buffer.from(x) : x))).toString('utf8');
    // a cut through a multi-byte character leaves a replacement character at the end
    if (this.truncated && body.endsWith('\uFFFD')) body = body.slice(0, -1);
    return { body, truncated: this.truncated };
  }
}

/**
 * The payloads of one request while it runs: bodies by reference, headers and URL as the
 * gateway had them. `payloads()` (the inspector, the store) makes the text and masks secrets.
 */
export class PayloadCapture implements PayloadSource {
  downstreamRequest?: BodyCapture;
  downstreamResponse?: BodyCapture;
  clientResponse?: BodyCapture;
  downstreamHeaders?: Record<string, string>;
  downstreamUrl?: URL;
  readonly clientRequest: BodyCapture;

  constructor(
    readonly limit: number,
    clientRequest: Buffer,
    private readonly clientHeaders: IncomingHttpHeaders,
  ) {
    this.clientRequest = this.body(clientRequest);
  }

  /** A new body capture holding `initial` (when given). */
  body(initial?: string | Buffer): BodyCapture {
    const c = new BodyCapture(this.limit);
    if (initial !== undefined) c.add(initial);
    return c;
  }

  payloads(): CapturedPayloads {
    const out: CapturedPayloads = { client_request: this.clientRequest.result(), client_headers: maskHeaders(this.clientHeaders) };
    if (this.downstreamRequest) out.downstream_request = this.downstreamRequest.result();
    if (this.downstreamResponse) out.downstream_response = this.downstreamResponse.result();
    if (this.clientResponse) out.client_response = this.clientResponse.result();
    if (this.downstreamHeaders) out.downstream_headers = maskHeaders(this.downstreamHeaders);
    if (this.downstreamUrl) out.downstream_url = this.downstreamUrl.toString();
    return out;
  }
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
