/**
 * Room for bytes that are kept a while and dropped oldest first (the newest captured
 * payloads), carved from slabs off the JS heap. A slab whose pieces have all been released
 * is reused, so steady traffic allocates nothing: fresh Buffers would grow V8's count of
 * external memory and with it the number of full collections. Whatever a piece was copied
 * from (a request's chunks and strings) dies young, and keeping it costs the collector a
 * couple of small objects. Pieces dropped in no particular order do not belong here: one
 * piece held long keeps its whole slab.
 */
export class ByteSlabs {
  private current: Slab | undefined;
  private readonly spare: Slab[] = [];

  /** `slabSize` 0: every piece is a Buffer of its own (Node pools the small ones). */
  constructor(private readonly slabSize = 1 << 20) {}

  /** `size` bytes of uninitialised room, the caller's until it releases the piece. */
  take(size: number): Piece {
    let slab = this.current;
    if (!slab || size > slab.buf.length - slab.used) {
      // a large piece gets its own Buffer rather than most of a slab
      if (size > this.slabSize / 4) return { buf: Buffer.allocUnsafe(size), start: 0, size };
      if (slab && slab.live === 0) slab.used = 0;
      else slab = this.current = this.spare.pop() ?? { buf: Buffer.allocUnsafeSlow(this.slabSize), used: 0, live: 0 };
    }
    const start = slab.used;
    slab.used += size;
    slab.live++;
    return { buf: slab.buf, start, size, slab };
  }

  /**
   * Keep only the first `size` bytes of a piece (taken with room to spare): the rest goes back
   * to its slab when it is the slab's last piece, as it is right after take().
   */
  shrink(piece: Piece, size: number): void {
    const slab = piece.slab;
    if (slab && slab === this.current && piece.start + piece.size === slab.used) slab.used = piece.start + size;
    piece.size = size;
  }

  /** The piece is no longer read: once none of its slab's pieces is, the slab is reused. */
  release(piece: Piece): void {
    const slab = piece.slab;
    if (!slab || --slab.live > 0 || slab === this.current) return;
    slab.used = 0;
    if (this.spare.length < MAX_SPARE) this.spare.push(slab);
  }
}

/** `size` bytes of `buf` from `start` (no view is made: a view is an object for the GC more). */
export interface Piece {
  buf: Buffer;
  start: number;
  size: number;
  /** Undefined for a piece that is a Buffer of its own. */
  slab?: Slab;
}

interface Slab {
  buf: Buffer;
  used: number;
  /** Pieces taken and not released. */
  live: number;
}

/** A Buffer over the same bytes as `b` (no copy; `b` itself when it is one). */
export function bytesOf(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * The most bytes `s` can take in UTF-8: three per UTF-16 unit (a character of four bytes is
 * two units). Room enough without a pass over the string to count them.
 */
export function utf8Room(s: string): number {
  return s.length * 3;
}

/** Empty slabs kept for reuse; more are left to the GC. */
const MAX_SPARE = 2;
