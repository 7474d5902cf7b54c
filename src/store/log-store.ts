import type { Statement } from 'better-sqlite3';
import { entryJson } from '../observe/entry-json.js';
import { bytesOf } from '../util/byte-slabs.js';
import { matchesFilter, type LogFilter } from '../observe/filter.js';
import type { CapturedPayloads, LogEntry } from '../observe/types.js';
import { requestIdTime } from '../util/request-id.js';
import type { Db } from './db.js';
import { ScratchBuffer } from '../util/scratch-buffer.js';

/** A log entry with its paging cursor (finish order, increasing). */
export interface LogRecord {
  seq: number;
  entry: LogEntry;
  /** The entry as JSON, when already serialized. */
  json?: string;
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

/**
 * Entries per stored chunk at most. 128 (~70 KB of text) rather than more: per entry, a row's
 * text costs V8 and SQLite markedly more past ~128 KB (measured: ~5.5 µs an entry at 128,
 * ~8.5 at 256, the text built and committed).
 */
export const CHUNK_ENTRIES = 128;

/** Chunks read per query round while paging. */
const PAGE_CHUNKS = 8;

/** How far an entry's recorded time may be from the time its id carries. */
const ID_TIME_SLACK_MS = 5_000;

interface ChunkRow {
  first_seq: number;
  entries: string;
}

/**
 * One chunk to store: its entries and what queries narrow by. The entries are consecutive
 * (seq `firstSeq` on) and travel as JSON lines, UTF-8 bytes: a chunk may be handed to the
 * write thread, where the row text (chunkRow) and the stdout lines (batchLines) are made
 * from them, off the event loop.
 */
export interface LogChunk {
  firstSeq: number;
  n: number;
  minMs: number;
  maxMs: number;
  /** keyList()s: values between newlines. */
  models: string;
  downstreams: string;
  minStatus: number;
  maxStatus: number;
  /**
   * Each entry's JSON and a newline (JSON text holds no raw newline), as UTF-8: a view whose
   * buffer a batch's chunks share, transferred to the write thread rather than copied.
   */
  bytes: Uint8Array;
}

/**
 * Request log and captured payloads in SQLite. Writers call inside the observer's transaction.
 *
 * The log is stored in chunks: one row holds up to CHUNK_ENTRIES consecutive entries as a
 * JSON array, with the seq range, time range, distinct models and downstreams, and status
 * range of its entries, so that a flush costs one row per few hundred requests (a row and its
 * index updates per request cost more than the rest of the request's bookkeeping together).
 * Queries narrow the chunks by those columns, then read entries from the chunks they keep.
 */
export class LogStore {
  private readonly insertChunk: Statement<[number, number, number, number, number, string, string, number, number, Buffer]>;
  private readonly deleteChunk: Statement<[number]>;
  private readonly insertPayloads: Statement<[number, string, string]>;
  private readonly payloadsById: Statement<[string], { payloads: string }>;
  /** Where each row's text is made (SQLite copies a bound value). */
  private readonly rowScratch = new ScratchBuffer();

  constructor(private readonly db: Db) {
    this.insertChunk = db.prepare(
      `INSERT OR REPLACE INTO request_log_chunks (first_seq, last_seq, n, min_ms, max_ms, models, downstreams, min_status, max_status, entries)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT))`,
    );
    this.deleteChunk = db.prepare('DELETE FROM request_log_chunks WHERE first_seq = ?');
    this.insertPayloads = db.prepare('INSERT OR REPLACE INTO captured_payloads (seq, id, payloads) VALUES (?, ?, ?)');
    this.payloadsById = db.prepare('SELECT payloads FROM captured_payloads WHERE id = ?');
  }

  /** Highest cursor stored, so a restarted observer continues after it. */
  maxSeq(): number {
    const row = this.db.prepare<[], { m: number | null }>('SELECT max(last_seq) AS m FROM request_log_chunks').get();
    return row?.m ?? 0;
  }

  insert(rec: LogRecord): void {
    this.insertMany([rec]);
  }

  /** Store records (in increasing seq order), CHUNK_ENTRIES to a row. */
  insertMany(records: readonly LogRecord[]): void {
    this.insertChunks(chunksOf(records));
  }

  /** Store chunks made by chunksOf (possibly in another thread: see StoreWriter). */
  insertChunks(chunks: readonly LogChunk[]): void {
    for (const c of chunks) {
      this.insertChunk.run(
        c.firstSeq,
        c.firstSeq + c.n - 1,
        c.n,
        c.minMs,
        c.maxMs,
        c.models,
        c.downstreams,
        c.minStatus,
        c.maxStatus,
        chunkRow(c, this.rowScratch),
      );
    }
  }

  insertCapture(rec: PayloadRecord): void {
    this.insertPayloads.run(rec.seq, rec.id, JSON.stringify(rec.payloads));
  }

  /** Newest first, cursor strictly below `before` when given. */
  page(filter: LogFilter, before: number | undefined, limit: number): LogRecord[] {
    const where: string[] = ['first_seq < ?'];
    const args: (string | number)[] = [];
    if (filter.model !== undefined) {
      where.push(`instr(models, char(10) || ? || char(10)) > 0`);
      args.push(filter.model);
    }
    if (filter.downstream !== undefined) {
      where.push(`instr(downstreams, char(10) || ? || char(10)) > 0`);
      args.push(filter.downstream);
    }
    if (filter.status !== undefined) {
      where.push('max_status >= ? AND min_status <= ?');
      args.push(filter.status.min, filter.status.max);
    }
    const stmt = this.db.prepare<(string | number)[], ChunkRow>(
      `SELECT first_seq, entries FROM request_log_chunks WHERE ${where.join(' AND ')} ORDER BY first_seq DESC LIMIT ${PAGE_CHUNKS}`,
    );
    const out: LogRecord[] = [];
    let cursor = before ?? Number.MAX_SAFE_INTEGER;
    for (;;) {
      const rows = stmt.all(cursor, ...args);
      for (const row of rows) {
        const recs = parseChunk(row.entries);
        for (let i = recs.length - 1; i >= 0; i--) {
          const r = recs[i];
          if (before !== undefined && r.seq >= before) continue;
          if (!matchesFilter(r.entry, filter)) continue;
          out.push(r);
          if (out.length >= limit) return out;
        }
        cursor = row.first_seq;
      }
      if (rows.length < PAGE_CHUNKS) return out;
    }
  }

  get(id: string): LogRecord | undefined {
    const needle = `"id":${JSON.stringify(id)}`;
    // a time-ordered id narrows the search to the chunks of its time; any other id reads them all
    const t = requestIdTime(id);
    const [from, to] = t === undefined ? [Number.MAX_SAFE_INTEGER, 0] : [t + ID_TIME_SLACK_MS, t - ID_TIME_SLACK_MS];
    const rows = this.db
      .prepare<[number, number, string], ChunkRow>(
        'SELECT first_seq, entries FROM request_log_chunks WHERE min_ms <= ? AND max_ms >= ? AND instr(entries, ?) > 0 ORDER BY first_seq DESC',
      )
      .all(from, to, needle);
    for (const row of rows) {
      const hit = parseChunk(row.entries).find((r) => r.entry.id === id);
      if (hit) return hit;
    }
    return undefined;
  }

  payloads(id: string): CapturedPayloads | undefined {
    const r = this.payloadsById.get(id);
    return r && (JSON.parse(r.payloads) as CapturedPayloads);
  }

  count(): number {
    return this.db.prepare<[], { n: number | null }>('SELECT sum(n) AS n FROM request_log_chunks').get()?.n ?? 0;
  }

  captureCount(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM captured_payloads').get()?.n ?? 0;
  }

  /**
   * Drop entries beyond the count limit or older than the retention (and their captures), in
   * one transaction: a commit per deleted chunk wrote the b-tree's changed 64 KiB pages to the
   * WAL each time (a minute of traffic at 3,000 requests/s, ~1,400 chunks: 0.6 s against
   * 0.03 s in one).
   */
  pruneEntries(limits: LogPruneLimits): number {
    return this.db.transaction(() => this.pruneEntriesNow(limits))();
  }

  private pruneEntriesNow(limits: LogPruneLimits): number {
    const cutoff = limits.now - limits.retentionDays * DAY_MS;
    let dropped = 0;
    // Age: whole chunks first, then the entries of chunks that straddle the cutoff.
    dropped += this.db.prepare<[number], { n: number | null }>('SELECT sum(n) AS n FROM request_log_chunks WHERE max_ms < ?').get(cutoff)?.n ?? 0;
    this.db.prepare('DELETE FROM request_log_chunks WHERE max_ms < ?').run(cutoff);
    for (const row of this.db.prepare<[number], ChunkRow>('SELECT first_seq, entries FROM request_log_chunks WHERE min_ms < ?').all(cutoff)) {
      const recs = parseChunk(row.entries);
      const kept = recs.filter((r) => timeMs(r.entry.time) >= cutoff);
      dropped += recs.length - kept.length;
      this.replaceChunk(row.first_seq, kept);
    }
    // Count: the oldest chunks go while what remains is still at least the limit.
    let excess = this.count() - limits.maxEntries;
    if (excess > 0) {
      // sizes only: reading each doomed chunk's text (~70 KB) would cost more than deleting it
      const oldest = this.db.prepare<[], { first_seq: number; n: number }>('SELECT first_seq, n FROM request_log_chunks ORDER BY first_seq').iterate();
      const whole: number[] = [];
      let partial: { first_seq: number; n: number } | undefined;
      for (const row of oldest) {
        if (row.n <= excess) {
          whole.push(row.first_seq);
          excess -= row.n;
          dropped += row.n;
          if (excess === 0) break;
        } else {
          partial = row;
          break;
        }
      }
      for (const s of whole) this.deleteChunk.run(s);
      if (partial) {
        const row = this.db.prepare<[number], { entries: string }>('SELECT entries FROM request_log_chunks WHERE first_seq = ?').get(partial.first_seq);
        if (row) this.replaceChunk(partial.first_seq, parseChunk(row.entries).slice(excess));
        dropped += excess;
      }
    }
    // A capture never outlives its log entry.
    this.db.prepare('DELETE FROM captured_payloads WHERE seq < (SELECT coalesce(min(first_seq), 0) FROM request_log_chunks)').run();
    return dropped;
  }

  /** Keep only the newest `keep` captures. */
  pruneCaptures(keep: number): number {
    const cut = this.db.prepare<[number], { seq: number }>('SELECT seq FROM captured_payloads ORDER BY seq DESC LIMIT 1 OFFSET ?').get(keep);
    if (!cut) return 0;
    return this.db.prepare('DELETE FROM captured_payloads WHERE seq <= ?').run(cut.seq).changes;
  }

  private replaceChunk(firstSeq: number, kept: readonly LogRecord[]): void {
    this.deleteChunk.run(firstSeq);
    this.insertMany(kept);
  }
}

const UTF8 = new TextEncoder();

/**
 * Records (in increasing seq order) as chunks: up to CHUNK_ENTRIES, of consecutive seqs (a
 * chunk's text numbers its entries from its first seq on; the entries an age prune keeps of a
 * chunk may have gaps).
 */
export function chunksOf(records: readonly LogRecord[]): LogChunk[] {
  const out: LogChunk[] = [];
  for (let i = 0; i < records.length;) {
    const bounds = new ChunkBounds(records[i].seq);
    let jsonl = '';
    do {
      const r = records[i++];
      bounds.add(timeMs(r.entry.time), r.entry.status, r.entry.model, r.entry.downstream_id);
      jsonl += `${r.json ?? entryJson(r.entry)}\n`;
    } while (i < records.length && bounds.n < CHUNK_ENTRIES && records[i].seq === bounds.firstSeq + bounds.n);
    // (an ArrayBuffer of its own, as the thread's batches have: Buffer.from may share a pool)
    out.push(bounds.chunk(UTF8.encode(jsonl)));
  }
  return out;
}

/** What a chunk's queries narrow by, gathered entry by entry. */
export class ChunkBounds {
  n = 0;
  private minMs = Number.POSITIVE_INFINITY;
  private maxMs = 0;
  private minStatus = Number.POSITIVE_INFINITY;
  private maxStatus = 0;
  private readonly models = new Set<string>();
  private readonly downstreams = new Set<string>();
  private model: string | null = null;
  private downstream: string | null = null;

  constructor(readonly firstSeq: number) {}

  add(timeMs: number, status: number, model: string | null, downstream: string | null): void {
    this.n++;
    if (timeMs < this.minMs) this.minMs = timeMs;
    if (timeMs > this.maxMs) this.maxMs = timeMs;
    if (status < this.minStatus) this.minStatus = status;
    if (status > this.maxStatus) this.maxStatus = status;
    // (runs of one model and downstream are the rule: a comparison instead of a hash)
    if (model !== this.model && model !== null) this.models.add((this.model = model));
    if (downstream !== this.downstream && downstream !== null) this.downstreams.add((this.downstream = downstream));
  }

  /** The chunk of the entries added, whose JSON lines are `bytes`. */
  chunk(bytes: Uint8Array): LogChunk {
    return {
      firstSeq: this.firstSeq,
      n: this.n,
      minMs: this.minMs,
      maxMs: this.maxMs,
      models: keyList(this.models),
      downstreams: keyList(this.downstreams),
      minStatus: this.minStatus,
      maxStatus: this.maxStatus,
      bytes,
    };
  }
}

/**
 * A chunk's row text, the JSON array of [seq, entry] that parseChunk reads, as UTF-8 (bound
 * as is and stored as text): made by copying the entries' bytes, on the write thread under
 * load, with no string for its garbage collector. Written into `scratch` when given (valid until
 * its next use), else into a Buffer of its own.
 */
export function chunkRow(c: LogChunk, scratch?: ScratchBuffer): Buffer {
  const src = bytesOf(c.bytes);
  // per entry at most "[", a seq of 16 digits, ",", "]" and ","
  const room = src.length + 20 * c.n + 2;
  const out = scratch ? scratch.take(room) : Buffer.allocUnsafe(room);
  let o = 0;
  out[o++] = 0x5b;
  for (let at = 0, seq = c.firstSeq; at < src.length; seq++) {
    const end = src.indexOf(0x0a, at);
    if (seq !== c.firstSeq) out[o++] = 0x2c;
    out[o++] = 0x5b;
    o += out.write(String(seq), o, 'latin1');
    out[o++] = 0x2c;
    o += src.copy(out, o, at, end);
    out[o++] = 0x5d;
    at = end + 1;
  }
  out[o++] = 0x5d;
  return out.subarray(0, o);
}

/** Values between newlines, so `instr(list, '\n' || value || '\n')` finds exact members. */
function keyList(values: Set<string>): string {
  return values.size === 0 ? '\n' : `\n${[...values].join('\n')}\n`;
}

function parseChunk(text: string): LogRecord[] {
  return (JSON.parse(text) as [number, LogEntry][]).map(([seq, entry]) => ({ seq, entry }));
}

export function timeMs(iso: string): number {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : Date.now();
}
