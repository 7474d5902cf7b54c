import { matchesFilter, type LogFilter } from './filter.js';
import type { LogRecord } from '../store/log-store.js';

/**
 * The most recent log entries in memory, for the live view, SSE replay and the fallback when
 * SQLite is unavailable. Fixed capacity: pushing past it evicts the oldest.
 */
export class LogRing {
  private readonly slots: (LogRecord | undefined)[];
  private readonly index = new Map<string, LogRecord>();
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('ring capacity must be a positive integer');
    this.slots = new Array<LogRecord | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(rec: LogRecord): void {
    const old = this.slots[this.head];
    if (old && this.index.get(old.entry.id) === old) this.index.delete(old.entry.id);
    this.slots[this.head] = rec;
    this.index.set(rec.entry.id, rec);
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  get(id: string): LogRecord | undefined {
    return this.index.get(id);
  }

  /** Up to `limit` matching records, newest first, with seq below `before` when given. */
  newest(limit: number, filter: LogFilter = {}, before?: number): LogRecord[] {
    const out: LogRecord[] = [];
    for (let i = 1; i <= this.count && out.length < limit; i++) {
      const rec = this.slots[(this.head - i + this.capacity) % this.capacity];
      if (!rec) continue;
      if (before !== undefined && rec.seq >= before) continue;
      if (matchesFilter(rec.entry, filter)) out.push(rec);
    }
    return out;
  }

  /** Oldest seq still held (undefined when empty). */
  oldestSeq(): number | undefined {
    if (this.count === 0) return undefined;
    return this.slots[(this.head - this.count + this.capacity) % this.capacity]?.seq;
  }
}
