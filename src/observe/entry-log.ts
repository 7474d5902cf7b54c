import { ChunkBounds, CHUNK_ENTRIES, timeMs, type LogChunk, type LogRecord } from '../store/log-store.js';
import { entryRoom, requestLogLine, writeEntry } from './entry-json.js';
import { matchesFilter, type LogFilter } from './filter.js';
import type { LogEntry } from './types.js';

const NEWLINE = 0x0a;

/** Where entries start in the byte buffer: enough for a few hundred typical entries (~0.7 KB each). */
const INITIAL_BYTES = 1 << 20;

/** Spare batch buffers kept (a batch or two is in flight to the write thread at a time). */
const MAX_SPARE_BATCHES = 2;
/** A new batch buffer is a multiple of this, a quarter more than asked for, so that it fits the next batches too. */
const BATCH_ROUND = 16 * 1024;

/**
 * The observer's recent log entries, as their JSON in one buffer outside the JavaScript heap
 * and a few numbers each in typed arrays: the ring the live view, SSE replay and the first
 * pages read (the newest `capacity` entries), and the entries not yet handed to SQLite
 * ("pending", at most `maxPending`; take() hands them over as chunks whose bytes can be
 * transferred to the write thread).
 *
 * Nothing per entry is left on the heap: entries kept for a while as objects and strings (the
 * ring, the pending batch) were copied by every scavenge they lived through and promoted to
 * the old generation, which then needed marking and sweeping; that was most of what logging
 * cost the daemon. Reading an entry back (rare: pages, lookups by id, viewers) decodes and
 * parses its JSON.
 *
 * Bytes are used in a circle: an entry goes after the newest, or at the start when it does not
 * fit before the end; the oldest entries it would overwrite leave the ring first. The buffer
 * grows (doubling, entries moved) when the pending ones would have to be overwritten or an
 * entry is larger than it.
 */
export class EntryLog {
  private bytes: Buffer;
  /** Byte offset after the newest entry. */
  private next = 0;
  private readonly slots: number;
  private readonly seqs: Float64Array;
  private readonly starts: Int32Array;
  /** After the entry's newline. */
  private readonly ends: Int32Array;
  private readonly statuses: Int32Array;
  /** The slot the next entry takes; the `count` before it (circularly) are in use, oldest first. */
  private head = 0;
  private count = 0;
  private pending = 0;
  /** What each pending chunk's queries narrow by (CHUNK_ENTRIES entries each, the last one filling). */
  private bounds: ChunkBounds[] = [];
  /** Buffers of batches taken before, handed back by reuse(): take() fills one that is large enough. */
  private spare: ArrayBuffer[] = [];

  constructor(
    /** Entries the ring keeps. */
    readonly capacity: number,
    /** Pending entries at most (0: none are kept for SQLite); take() must run before more are added. */
    readonly maxPending: number,
    initialBytes = INITIAL_BYTES,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('ring capacity must be a positive integer');
    this.slots = capacity + maxPending;
    this.seqs = new Float64Array(this.slots);
    this.starts = new Int32Array(this.slots);
    this.ends = new Int32Array(this.slots);
    this.statuses = new Int32Array(this.slots);
    this.bytes = Buffer.allocUnsafeSlow(initialBytes);
  }

  /** Entries in the ring. */
  get size(): number {
    return Math.min(this.count, this.capacity);
  }

  /** Entries not yet taken. */
  get pendingCount(): number {
    return this.pending;
  }

  /** Add a finished entry (pending too when maxPending > 0); returns its slot, for json(). */
  add(seq: number, e: LogEntry): number {
    if (this.maxPending > 0 && this.pending >= this.maxPending) throw new Error('EntryLog: take() the pending entries before adding more');
    const at = this.place(entryRoom(e) + 1);
    const end = writeEntry(e, this.bytes, at);
    this.bytes[end] = NEWLINE;
    const slot = this.head;
    this.seqs[slot] = seq;
    this.starts[slot] = at;
    this.ends[slot] = end + 1;
    this.statuses[slot] = e.status;
    this.next = end + 1;
    this.head = (slot + 1) % this.slots;
    this.count++;
    if (this.maxPending > 0) {
      let b = this.bounds[this.bounds.length - 1];
      // (a chunk's entries have consecutive seqs: its text numbers them from the first)
      if (!b || b.n === CHUNK_ENTRIES || seq !== b.firstSeq + b.n) this.bounds.push((b = new ChunkBounds(seq)));
      b.add(timeMs(e.time), e.status, e.model, e.downstream_id);
      this.pending++;
    }
    while (this.count > this.capacity && this.count > this.pending) this.count--;
    return slot;
  }

  /** An entry's JSON, by the slot add() returned (valid until the entry leaves). */
  json(slot: number): string {
    return this.bytes.toString('utf8', this.starts[slot], this.ends[slot] - 1);
  }

  /** An entry's JSON as UTF-8, a view of the bytes kept (valid until the next add). */
  jsonBytes(slot: number): Uint8Array {
    return this.bytes.subarray(this.starts[slot], this.ends[slot] - 1);
  }

  /** The pending entries as chunks (up to CHUNK_ENTRIES of consecutive seqs each), whose bytes share one ArrayBuffer of their own; none are pending after. */
  take(): LogChunk[] {
    if (this.pending === 0) return [];
    const first = this.count - this.pending;
    let total = 0;
    for (let i = first; i < this.count; i++) total += this.lengthAt(i);
    const out = this.batchBuffer(total);
    const chunks: LogChunk[] = [];
    let o = 0;
    let i = first;
    // entries lie one after the other but where the ring wrapped: a copy per run of them
    let runStart = -1;
    let runEnd = -1;
    const copyRun = (): void => {
      if (runStart >= 0) out.set(this.bytes.subarray(runStart, runEnd), o - (runEnd - runStart));
    };
    for (const b of this.bounds) {
      const from = o;
      for (const end = i + b.n; i < end; i++) {
        const s = this.physical(i);
        if (this.starts[s] !== runEnd) {
          copyRun();
          runStart = this.starts[s];
        }
        runEnd = this.ends[s];
        o += runEnd - this.starts[s];
      }
      chunks.push(b.chunk(out.subarray(from, o)));
    }
    copyRun();
    this.pending = 0;
    this.bounds = [];
    while (this.count > this.capacity) this.count--;
    return chunks;
  }

  /** A buffer take() made, no longer read (the write thread is done with it): a later take() may fill it. */
  reuse(buffer: ArrayBuffer): void {
    if (this.spare.length < MAX_SPARE_BATCHES) this.spare.push(buffer);
  }

  /** `size` bytes for take(), in a spare buffer when one is large enough; a new one has room to spare. */
  private batchBuffer(size: number): Uint8Array {
    for (let i = 0; i < this.spare.length; i++) {
      const b = this.spare[i];
      if (b.byteLength < size) continue;
      this.spare.splice(i, 1);
      return new Uint8Array(b, 0, size);
    }
    return new Uint8Array(new ArrayBuffer(Math.ceil((size * 1.25) / BATCH_ROUND) * BATCH_ROUND), 0, size);
  }

  /** The stdout request lines of the pending entries from the `from`-th on. */
  pendingLines(from: number): string {
    let out = '';
    for (let i = this.count - this.pending + from; i < this.count; i++) out += requestLogLine(this.json(this.physical(i)));
    return out;
  }

  /** By request id, newest first (a scan: lookups are rare). */
  get(id: string): LogRecord | undefined {
    const key = Buffer.from(`{"id":${JSON.stringify(id)},`);
    for (let i = this.count - 1; i >= this.count - this.size; i--) {
      const s = this.physical(i);
      if (this.ends[s] - this.starts[s] > key.length && this.bytes.compare(key, 0, key.length, this.starts[s], this.starts[s] + key.length) === 0) {
        return this.record(s);
      }
    }
    return undefined;
  }

  /** Up to `limit` matching records of the ring, newest first, with seq below `before` when given. */
  newest(limit: number, filter: LogFilter = {}, before?: number): LogRecord[] {
    const out: LogRecord[] = [];
    const byStatus = filter.status;
    const parsed = filter.model !== undefined || filter.downstream !== undefined;
    for (let i = this.count - 1; i >= this.count - this.size && out.length < limit; i--) {
      const s = this.physical(i);
      if (before !== undefined && this.seqs[s] >= before) continue;
      if (byStatus && (this.statuses[s] < byStatus.min || this.statuses[s] > byStatus.max)) continue;
      const rec = this.record(s);
      if (!parsed || matchesFilter(rec.entry, filter)) out.push(rec);
    }
    return out;
  }

  /** Oldest seq in the ring (undefined when empty). */
  oldestSeq(): number | undefined {
    return this.count === 0 ? undefined : this.seqs[this.physical(this.count - this.size)];
  }

  private record(slot: number): LogRecord {
    const json = this.json(slot);
    return { seq: this.seqs[slot], entry: JSON.parse(json) as LogEntry, json };
  }

  /** The slot of the i-th entry in use, 0 the oldest. */
  private physical(i: number): number {
    return (this.head - this.count + i + 2 * this.slots) % this.slots;
  }

  private lengthAt(i: number): number {
    const s = this.physical(i);
    return this.ends[s] - this.starts[s];
  }

  /** Where `room` bytes go after the newest entry, the oldest entries in the way dropped (the buffer grown rather than a pending one). */
  private place(room: number): number {
    for (;;) {
      if (this.next + room <= this.bytes.length) {
        if (this.clear(this.next, this.next + room)) return this.next;
      } else if (room <= this.bytes.length && this.clear(this.next, this.bytes.length) && this.clear(0, room)) {
        // (the end of the buffer is left unused until the next turn round)
        return 0;
      }
      this.grow(room);
    }
  }

  /**
   * Drop the oldest entries while they overlap [from, to): in a circle they are the ones
   * written after `from`. False when one of them is pending.
   */
  private clear(from: number, to: number): boolean {
    while (this.count > 0) {
      const s = this.physical(0);
      if (this.starts[s] >= to || this.ends[s] <= from) return true;
      if (this.count <= this.pending) return false;
      this.count--;
    }
    return true;
  }

  /** A buffer at least twice as large (and twice `room`), the entries in use moved to its start in order. */
  private grow(room: number): void {
    let size = this.bytes.length * 2;
    while (size < room * 2) size *= 2;
    const bigger = Buffer.allocUnsafeSlow(size);
    let o = 0;
    for (let i = 0; i < this.count; i++) {
      const s = this.physical(i);
      const n = this.bytes.copy(bigger, o, this.starts[s], this.ends[s]);
      this.starts[s] = o;
      this.ends[s] = o += n;
    }
    this.bytes = bigger;
    this.next = o;
  }
}
