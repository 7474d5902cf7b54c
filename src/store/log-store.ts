import type { Statement } from 'better-sqlite3';
import type { LogFilter } from '../observe/filter.js';
import type { CapturedPayloads, LogEntry } from '../observe/types.js';
import type { Db } from './db.js';

/** A log entry with its paging cursor (finish order, increasing). */
export interface LogRecord {
  seq: number;
  entry: LogEntry;
}

export interface PayloadRecord {
  seq: number;
  id: string;
  payloads: CapturedPayloads;
}

export interface LogPruneLimits {
  maxEntries: number;
  retentionDays: number;
  now: number;
}

const DAY_MS = 86_400_000;

/** Request log and captured payloads in SQLite. Writers call inside the observer's transaction. */
export class LogStore {
  private readonly insertEntry: Statement<[number, string, number, string | null, string | null, number, string]>;
  private readonly insertPayloads: Statement<[number, string, string]>;
  private readonly byId: Statement<[string], { seq: number; entry: string }>;
  private readonly payloadsById: Statement<[string], { payloads: string }>;

  constructor(private readonly db: Db) {
    this.insertEntry = db.prepare('INSERT OR REPLACE INTO request_log (seq, id, time_ms, model, downstream_id, status, entry) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insertPayloads = db.prepare('INSERT OR REPLACE INTO captured_payloads (seq, id, payloads) VALUES (?, ?, ?)');
    this.byId = db.prepare('SELECT seq, entry FROM request_log WHERE id = ?');
    this.payloadsById = db.prepare('SELECT payloads FROM captured_payloads WHERE id = ?');
  }

  /** Highest cursor stored, so a restarted observer continues after it. */
  maxSeq(): number {
    const row = this.db.prepare<[], { m: number | null }>('SELECT max(seq) AS m FROM request_log').get();
    return row?.m ?? 0;
  }

  insert(rec: LogRecord): void {
    const e = rec.entry;
    this.insertEntry.run(rec.seq, e.id, timeMs(e.time), e.model, e.downstream_id, e.status, JSON.stringify(e));
  }

  insertCapture(rec: PayloadRecord): void {
    this.insertPayloads.run(rec.seq, rec.id, JSON.stringify(rec.payloads));
  }

  /** Newest first, cursor strictly below `before` when given. */
  page(filter: LogFilter, before: number | undefined, limit: number): LogRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (before !== undefined) {
      where.push('seq < ?');
      args.push(before);
    }
    if (filter.model !== undefined) {
      where.push('model = ?');
      args.push(filter.model);
    }
    if (filter.downstream !== undefined) {
      where.push('downstream_id = ?');
      args.push(filter.downstream);
    }
    if (filter.status !== undefined) {
      where.push('status BETWEEN ? AND ?');
      args.push(filter.status.min, filter.status.max);
    }
    const sql = `SELECT seq, entry FROM request_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
    args.push(limit);
    return this.db
      .prepare<(string | number)[], { seq: number; entry: string }>(sql)
      .all(...args)
      .map((r) => ({ seq: r.seq, entry: JSON.parse(r.entry) as LogEntry }));
  }

  get(id: string): LogRecord | undefined {
    const r = this.byId.get(id);
    return r && { seq: r.seq, entry: JSON.parse(r.entry) as LogEntry };
  }

  payloads(id: string): CapturedPayloads | undefined {
    const r = this.payloadsById.get(id);
    return r && (JSON.parse(r.payloads) as CapturedPayloads);
  }

  count(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM request_log').get()?.n ?? 0;
  }

  captureCount(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM captured_payloads').get()?.n ?? 0;
  }

  /** Drop entries beyond the count limit or older than the retention (and their captures). */
  pruneEntries(limits: LogPruneLimits): number {
    let n = this.db.prepare('DELETE FROM request_log WHERE time_ms < ?').run(limits.now - limits.retentionDays * DAY_MS).changes;
    const span = this.db.prepare<[], { lo: number | null; hi: number | null }>('SELECT min(seq) AS lo, max(seq) AS hi FROM request_log').get();
    // Cursors only grow, so a span within the limit proves the count is too (no index scan).
    if (span?.lo != null && span.hi != null && span.hi - span.lo + 1 > limits.maxEntries) n += deleteBeyondNewest(this.db, 'request_log', limits.maxEntries);
    // A capture never outlives its log entry.
    this.db.prepare('DELETE FROM captured_payloads WHERE seq < (SELECT coalesce(min(seq), 0) FROM request_log)').run();
    return n;
  }

  /** Keep only the newest `keep` captures. */
  pruneCaptures(keep: number): number {
    return deleteBeyondNewest(this.db, 'captured_payloads', keep);
  }
}

/** Delete every row older (by seq) than the `keep` newest. */
function deleteBeyondNewest(db: Db, table: 'request_log' | 'captured_payloads', keep: number): number {
  const cut = db.prepare<[number], { seq: number }>(`SELECT seq FROM ${table} ORDER BY seq DESC LIMIT 1 OFFSET ?`).get(keep);
  if (!cut) return 0;
  return db.prepare(`DELETE FROM ${table} WHERE seq <= ?`).run(cut.seq).changes;
}

export function timeMs(iso: string): number {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : Date.now();
}
