import type { CapturedBody, CapturedPayloads, PayloadSource } from '../observe/types.js';
import { ByteSlabs, utf8Room, type Piece } from '../util/byte-slabs.js';

/**
 * A body as it passes through, up to `limit` bytes. A body of one chunk (a request, a JSON
 * answer) is held as it is, by reference: the gateway holds it as long anyway. From a second
 * chunk on (a stream) the chunks are copied (UTF-8) into a piece of the capture slabs as they
 * pass, so that the stream's strings and Buffers die as young as they would uncaptured (held
 * until the stream ended, under load they outlived scavenges and were promoted, a few KB a
 * request, and the old generation had to be collected more often).
 */
export class BodyCapture {
  /** The first chunk, not yet copied. */
  private held: string | Buffer | undefined;
  private piece: Piece | undefined;
  /** Bytes written to the piece. */
  private used = 0;
  private cut = false;

  constructor(
    private readonly slabs: ByteSlabs,
    private readonly limit: number,
  ) {}

  add(chunk: string | Buffer): void {
    if (this.cut || chunk.length === 0) return;
    if (this.held === undefined && !this.piece) {
      this.held = chunk;
      return;
    }
    if (this.held !== undefined) {
      const first = this.held;
      this.held = undefined;
      this.append(first);
    }
    this.append(chunk);
  }

  /**
   * Room for its bytes, as capped: what copyTo() may write. A held string's is its utf8Room()
   * up to HELD_ESTIMATE units, saving a pass to count them.
   */
  room(): number {
    const h = this.held;
    if (h === undefined) return this.used;
    if (typeof h !== 'string') return Math.min(h.length, this.limit);
    return Math.min(this.limit, h.length <= HELD_ESTIMATE ? utf8Room(h) : Buffer.byteLength(h));
  }

  /** Whether its bytes were copied into a piece as they passed (a body of more than one chunk). */
  get copied(): boolean {
    return this.piece !== undefined;
  }

  /** Whether the body was cut at the limit (after copyTo()). */
  get truncated(): boolean {
    return this.cut;
  }

  /** Copy its bytes (at most `room`, what room() gave) into `buf` at `offset`; the offset after them. */
  copyTo(buf: Buffer, offset: number, room: number): number {
    const h = this.held;
    if (typeof h === 'string') {
      // a string cut at the limit is written up to its last whole character
      const n = buf.write(h, offset, room);
      if (room === this.limit && n < Buffer.byteLength(h)) this.cut = true;
      return offset + n;
    }
    if (h !== undefined) {
      if (h.length > room) this.cut = true;
      buf.set(room >= h.length ? h : h.subarray(0, room), offset);
      return offset + Math.min(room, h.length);
    }
    if (this.piece) this.piece.buf.copy(buf, offset, this.piece.start, this.piece.start + this.used);
    return offset + this.used;
  }

  /** Give the piece back to the slabs (after packing). */
  release(): void {
    if (this.piece) this.slabs.release(this.piece);
    this.piece = undefined;
    this.held = undefined;
  }

  private append(chunk: string | Buffer): void {
    if (this.cut) return;
    const free = this.piece ? this.piece.size - this.used : 0;
    // a string surely fits when its utf8Room() does; otherwise count its bytes
    let n = typeof chunk === 'string' ? (utf8Room(chunk) <= free ? -1 : Buffer.byteLength(chunk)) : chunk.length;
    if (n > this.limit - this.used) {
      n = this.limit - this.used;
      this.cut = true;
    }
    if (n > free || !this.piece) this.grow(this.used + n);
    const { buf, start } = this.piece!;
    if (typeof chunk === 'string') this.used += n < 0 ? buf.write(chunk, start + this.used) : buf.write(chunk, start + this.used, n);
    else {
      buf.set(n === chunk.length ? chunk : chunk.subarray(0, n), start + this.used);
      this.used += n;
    }
  }

  private grow(need: number): void {
    const old = this.piece;
    const next = this.slabs.take(Math.min(this.limit, Math.max(need, (old?.size ?? 0) * 2, MIN_BODY_PIECE)));
    if (old) {
      old.buf.copy(next.buf, next.start, old.start, old.start + this.used);
      this.slabs.release(old);
    }
    this.piece = next;
  }
}

/** Captures of held bodies taking at most this many bytes in all are kept as they are (PayloadCapture.pack). */
const LAZY_ROOM = 8 * 1024;

/** The first piece a streamed body takes; it doubles as needed. */
const MIN_BODY_PIECE = 2048;

/**
 * Up to this many UTF-16 units a held string's room is three bytes each, unmeasured: the
 * packed piece is cut back to what was written (ByteSlabs.shrink), so at most 32 KB more a
 * string is taken for a moment.
 */
const HELD_ESTIMATE = 16 * 1024;

/**
 * Where captures live. Packed captures are kept, and dropped, oldest first: they share 1 MiB
 * slabs that are reused once all their pieces are dropped. The pieces of bodies still passing
 * (a stream's, from its second chunk on) are dropped in any order, and a stream may run for
 * minutes holding on to its piece's slab: they get small slabs (64 KB; a piece over 16 KB is
 * a Buffer of its own), so that a thousand long streams among short requests hold at most
 * 64 MB, where 1 MiB slabs could have held a GB. Buffers of their own for every piece cost
 * twice the CPU (an ArrayBuffer each, from 4 KB up).
 */
export class CaptureSlabs {
  readonly passing = new ByteSlabs(64 * 1024);
  readonly kept = new ByteSlabs();
}

/**
 * The payloads of one request while it runs: bodies as they pass (BodyCapture), headers and
 * URL as the gateway had them. `pack()` gives what the observer keeps when the request is done
 * (itself, or everything in one piece); `payloads()` makes the text and masks secrets.
 */
export class PayloadCapture implements PayloadSource {
  downstreamRequest?: BodyCapture;
  downstreamResponse?: BodyCapture;
  clientResponse?: BodyCapture;
  downstreamHeaders?: Record<string, string>;
  downstreamUrl?: URL;
  readonly clientRequest: BodyCapture;
  /** Every body made, replaced ones (a retried attempt) included: pack() releases them all. */
  private readonly bodies: BodyCapture[] = [];

  constructor(
    private readonly slabs: CaptureSlabs,
    readonly limit: number,
    clientRequest: Buffer,
    /** The client's headers as received: names and values alternating (`req.rawHeaders`). */
    private readonly clientHeaders: readonly string[],
  ) {
    this.clientRequest = this.body(clientRequest);
  }

  /** A new body capture holding `initial` (when given). */
  body(initial?: string | Buffer): BodyCapture {
    const c = new BodyCapture(this.slabs.passing, this.limit);
    this.bodies.push(c);
    if (initial !== undefined) c.add(initial);
    return c;
  }

  /**
   * What the observer keeps once the request is done. A capture whose bodies are all held as
   * they came (not copied into pieces as they passed) and small (LAZY_ROOM in all: a request
   * and its JSON answer) is kept itself, as it is: under load a kept capture is dropped unread
   * a hundred requests later, and packing every one (copying and encoding the bodies, joining
   * the header sets) was most of what capturing such requests cost; the few that are read
   * (the inspector) or saved (the retention run, shutdown) are packed then. Others are packed
   * now: a streamed body is in pieces already (packing is copying bytes), larger bodies kept
   * as objects would outlive scavenges (bench/gc-by-mode.ts --stream: with 64 KB allowed,
   * streams that arrived in one read were kept whole, 8.5 KB a request survived scavenges
   * against 5.4 packed), and a large body's copy is capped at the limit.
   */
  pack(): PayloadSource {
    if (this.keptAsIs()) return this;
    const packed = this.packInto(this.slabs.kept);
    this.release();
    return packed;
  }

  /** Every body held as it came (none copied into a piece as it passed), LAZY_ROOM in all at most. */
  private keptAsIs(): boolean {
    let room = 0;
    for (const b of this.bodies) {
      if (b.copied) return false;
      room += b.room();
    }
    return room <= LAZY_ROOM;
  }

  /** No longer kept: the bodies' pieces go back to the slabs. */
  release(): void {
    for (const b of this.bodies) b.release();
  }

  payloads(): CapturedPayloads {
    return this.packInto(ONE_OFF).payloads();
  }

  private packInto(slabs: ByteSlabs): PackedPayloads {
    const bodies = [this.clientRequest, this.downstreamRequest, this.downstreamResponse, this.clientResponse];
    const texts = [this.clientHeaders.join('\n'), this.downstreamHeaders && headerLines(this.downstreamHeaders), this.downstreamUrl?.href];
    const rooms = [0, 0, 0, 0];
    let flags = 0;
    let room = PACK_HEADER;
    for (let i = 0; i < bodies.length; i++) {
      const b = bodies[i];
      if (!b) continue;
      rooms[i] = b.room();
      room += rooms[i];
      flags |= 1 << i;
    }
    for (let i = 0; i < texts.length; i++) {
      const t = texts[i];
      if (t === undefined) continue;
      flags |= 1 << (bodies.length + i);
      room += utf8Room(t);
    }
    const piece = slabs.take(room);
    const { buf, start } = piece;
    let at = start + PACK_HEADER;
    let segment = 0;
    for (let i = 0; i < bodies.length; i++) {
      const b = bodies[i];
      if (b) {
        at = b.copyTo(buf, at, rooms[i]);
        if (b.truncated) flags |= TRUNCATED << i;
      }
      buf.writeUInt32LE(at - start, start + 4 + 4 * segment++);
    }
    for (const t of texts) {
      if (t !== undefined) at += buf.write(t, at);
      buf.writeUInt32LE(at - start, start + 4 + 4 * segment++);
    }
    buf.writeUInt32LE(flags, start);
    slabs.shrink(piece, at - start);
    return new PackedPayloads(piece, slabs);
  }
}

/** Header names and values alternating, a line each (neither may hold a line break). */
function headerLines(headers: Record<string, string>): string {
  let out = '';
  for (const k in headers) out += `${out ? '\n' : ''}${k}\n${headers[k]}`;
  return out;
}

/**
 * What headerLines() and `rawHeaders.join('\n')` made, for the inspector: one value per
 * (lower-case) name, repeated ones joined with ", ", secrets masked as `sk-…abcd`.
 */
function parseHeaderLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === '') return out;
  const parts = text.split('\n');
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const k = parts[i].toLowerCase();
    out[k] = k in out ? `${out[k]}, ${parts[i + 1]}` : parts[i + 1];
  }
  for (const k in out) if (SECRET_HEADERS.has(k)) out[k] = maskSecret(out[k]);
  return out;
}

/** Pieces of their own, for reading a capture that is not kept. */
const ONE_OFF = new ByteSlabs(0);

/**
 * A request's payloads packed into one piece of bytes: a header of eight little-endian
 * uint32 (flags, then where each of the seven segments ends) and the segments: the four
 * bodies, both header sets (names and values on alternate lines) and the downstream URL.
 * Flags: bit i is "segment i present", bit 8 + i "body i truncated".
 */
export class PackedPayloads implements PayloadSource {
  constructor(
    private readonly piece: Piece,
    private readonly slabs: ByteSlabs,
  ) {}

  release(): void {
    this.slabs.release(this.piece);
  }

  payloads(): CapturedPayloads {
    const { buf: b, start: base } = this.piece;
    const flags = b.readUInt32LE(base);
    const segment = (i: number): string | undefined => {
      if (!(flags & (1 << i))) return undefined;
      const start = i === 0 ? PACK_HEADER : b.readUInt32LE(base + 4 * i);
      return b.toString('utf8', base + start, base + b.readUInt32LE(base + 4 + 4 * i));
    };
    const body = (i: number): CapturedBody | undefined => {
      let text = segment(i);
      if (text === undefined) return undefined;
      const truncated = (flags & (TRUNCATED << i)) !== 0;
      // a cut through a multi-byte character leaves a replacement character at the end
      if (truncated && text.endsWith('\uFFFD')) text = text.slice(0, -1);
      return { body: text, truncated };
    };
    const headers = (i: number): Record<string, string> | undefined => {
      const lines = segment(i);
      return lines === undefined ? undefined : parseHeaderLines(lines);
    };
    const out: CapturedPayloads = {};
    const keys = ['client_request', 'downstream_request', 'downstream_response', 'client_response'] as const;
    for (let i = 0; i < keys.length; i++) {
      const v = body(i);
      if (v) out[keys[i]] = v;
    }
    const clientHeaders = headers(4);
    if (clientHeaders) out.client_headers = clientHeaders;
    const downstreamHeaders = headers(5);
    if (downstreamHeaders) out.downstream_headers = downstreamHeaders;
    const url = segment(6);
    if (url !== undefined) out.downstream_url = url;
    return out;
  }
}

/** Eight uint32: the flags and the ends of seven segments. */
const PACK_HEADER = 32;
const TRUNCATED = 1 << 8;

const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'x-goog-api-key', 'cookie', 'proxy-authorization', 'set-cookie']);

/** First 3 and last 4 characters (SPEC §8); short secrets are hidden entirely. */
export function maskSecret(s: string): string {
  const bearer = s.startsWith('Bearer ') ? 'Bearer ' : '';
  const v = bearer ? s.slice(7) : s;
  if (v.length <= 10) return bearer + '…';
  return `${bearer}${v.slice(0, 3)}…${v.slice(-4)}`;
}
