import type { IncomingHttpHeaders } from 'node:http';
import type { CapturedBody, CapturedPayloads, PayloadSource } from '../observe/types.js';

/**
 * A body as it passed through, kept by reference (the request's own Buffers and strings, no
 * copy) up to `limit` bytes; it becomes text only when someone reads it. Capturing thus costs
 * the request nothing but a few array pushes, and what it holds is mostly off the JS heap
 * (Buffers), so keeping the newest captures does not slow the garbage collector down.
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

  /** Bytes the body takes (UTF-8). */
  byteLength(): number {
    let n = 0;
    for (const x of this.parts) n += typeof x === 'string' ? Buffer.byteLength(x) : x.length;
    return n;
  }

  /** Write the body's bytes into `buf` at `at`; returns the offset after them. */
  copyTo(buf: Buffer, at: number): number {
    // strings next to each other are joined first: one write instead of one per event
    let run: string[] = [];
    for (const x of this.parts) {
      if (typeof x === 'string') {
        run.push(x);
        continue;
      }
      if (run.length > 0) at += buf.write(run.join(''), at);
      run = [];
      at += x.copy(buf, at);
    }
    if (run.length > 0) at += buf.write(run.length === 1 ? run[0] : run.join(''), at);
    return at;
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

  /**
   * The finished capture as one Buffer (PackedCapture). The observer keeps the newest hundred
   * or so captures for a while: kept as they are, their dozen objects each are what the
   * garbage collector spends its time copying (measured: 6–7 µs per request with 100 kept);
   * one Buffer (its bytes off the JS heap) costs a copy of the bodies, ~1 µs.
   */
  pack(): PackedCapture {
    const bodies = [this.clientRequest, this.downstreamRequest, this.downstreamResponse, this.clientResponse];
    const texts = [JSON.stringify(this.clientHeaders), this.downstreamHeaders && JSON.stringify(this.downstreamHeaders), this.downstreamUrl?.href];
    const sizes = [...bodies.map((b) => b?.byteLength() ?? 0), ...texts.map((t) => (t === undefined ? 0 : Buffer.byteLength(t)))];
    const head = SECTIONS * 5;
    const buf = slabAlloc(head + sizes.reduce((a, b) => a + b, 0));
    let at = head;
    for (let i = 0; i < SECTIONS; i++) {
      const body = i < bodies.length ? bodies[i] : undefined;
      const text = i >= bodies.length ? texts[i - bodies.length] : undefined;
      const present = body !== undefined || text !== undefined;
      buf[i * 5] = !present ? ABSENT : body?.truncated ? TRUNCATED : PRESENT;
      buf.writeUInt32LE(sizes[i], i * 5 + 1);
      if (body) at = body.copyTo(buf, at);
      else if (text !== undefined) at += buf.write(text, at);
    }
    return new PackedCapture(buf);
  }
}

/**
 * Packed captures are carved out of 256 KiB slabs (a malloc'd ArrayBuffer per capture costs
 * more than the copy); a slab is freed once no capture in it is kept. Larger captures get
 * their own.
 */
const SLAB_BYTES = 256 * 1024;
let slab = Buffer.alloc(0);
let slabUsed = 0;

function slabAlloc(n: number): Buffer {
  if (n > SLAB_BYTES / 4) return Buffer.allocUnsafeSlow(n);
  if (slabUsed + n > slab.length) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + n);
  // 8-byte steps keep each capture aligned
  slabUsed += (n + 7) & ~7;
  return out;
}

/** Sections of a packed capture: the four bodies, the two header sets (JSON), the URL. */
const SECTIONS = 7;
const ABSENT = 0;
const PRESENT = 1;
const TRUNCATED = 2;

/** A finished capture in one Buffer: per section a flag byte and a 32-bit length, then the bytes. */
export class PackedCapture implements PayloadSource {
  constructor(private readonly data: Buffer) {}

  payloads(): CapturedPayloads {
    const d = this.data;
    const parts: (string | undefined)[] = [];
    const truncated: boolean[] = [];
    let at = SECTIONS * 5;
    for (let i = 0; i < SECTIONS; i++) {
      const flag = d[i * 5];
      const len = d.readUInt32LE(i * 5 + 1);
      let text = flag === ABSENT ? undefined : d.toString('utf8', at, at + len);
      // a cut through a multi-byte character leaves a replacement character at the end
      if (flag === TRUNCATED && text?.endsWith('\uFFFD')) text = text.slice(0, -1);
      parts.push(text);
      truncated.push(flag === TRUNCATED);
      at += len;
    }
    const body = (i: number): CapturedBody | undefined => (parts[i] === undefined ? undefined : { body: parts[i] as string, truncated: truncated[i] });
    const out: CapturedPayloads = {};
    const keys = ['client_request', 'downstream_request', 'downstream_response', 'client_response'] as const;
    keys.forEach((k, i) => {
      const b = body(i);
      if (b) out[k] = b;
    });
    if (parts[4] !== undefined) out.client_headers = maskHeaders(JSON.parse(parts[4]) as Record<string, string | string[]>);
    if (parts[5] !== undefined) out.downstream_headers = maskHeaders(JSON.parse(parts[5]) as Record<string, string>);
    if (parts[6] !== undefined) out.downstream_url = parts[6];
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
