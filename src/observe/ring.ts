import { matchesFilter, type LogFilter } from './filter.js';
import { recordOf, type LogRecord, type StoredEntry } from '../store/log-store.js';

/**
 * The most recent log entries in memory, for the live view, SSE replay and the fallback when
 * SQLite is unavailable. Fixed capacity: pushing past it evicts the oldest. Entries are kept
 * as StoredEntry (JSON and the fields filters use) and parsed when read.
 */
export class LogRing {
  private readonly slots: (StoredEntry | undefined)[];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('ring capacity must be a positive integer');
    this.slots = new Array<StoredEntry | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(rec: StoredEntry): void {
    this.slots[this.head] = rec;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** By request id (a scan: lookups are rare, pushes are not). */
  get(id: string): LogRecord | undefined {
    for (let i = 1; i <= this.count; i++) {
      const rec = this.slots[(this.head - i + this.capacity) % this.capacity];
      if (rec?.id === id) return recordOf(rec);
    }
    return undefined;
  }

  /** Up to `limit` matching records, newest first, with seq below `before` when given. */
  newest(limit: number, filter: LogFilter = {}, before?: number): LogRecord[] {
    const out: LogRecord[] = [];
    for (let i = 1; i <= this.count && out.length < limit; i++) {
      const rec = this.slots[(this.head - i + this.capacity) % this.capacity];
      if (!rec) continue;
      if (before !== undefined && rec.seq >= before) continue;
      if (matchesFilter(rec, filter)) out.push(recordOf(rec));
    }
    return out;
  }

  /** Oldest seq still held (undefined when empty). */
  oldestSeq(): number | undefined {
    if (this.count === 0) return undefined;
    return this.slots[(this.head - this.count + this.capacity) % this.capacity]?.seq;
  }
}
