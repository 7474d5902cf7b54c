import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';
import type { LogChunk, LogPruneLimits, LogStore } from './log-store.js';
import type { StatsAggregate, StatsStore } from './stats-store.js';
import { requestLinesRoom, writeRequestLines } from '../observe/entry-json.js';
import { ScratchBuffer } from '../util/scratch-buffer.js';
import { writeLinesSync } from '../util/fd-write.js';

/** What failed, as reported to onError (and logged). */
export const WRITE_LOG = 'write the request log and statistics';
export const PRUNE_LOG = 'prune the request log and statistics';
export const WRITE_LINES = 'write request lines to stdout';

/** What one flush of the observer stores: request log chunks and stats counts, in one transaction. */
export interface WriteBatch {
  chunks: LogChunk[];
  stats: StatsAggregate[];
  /**
   * The write thread also writes the chunks' stdout request lines to `fd`, but for the first
   * `from` entries (written already by the daemon's thread). Only in batches for the thread:
   * see StoreWriter.write.
   */
  lines?: { fd: number; from: number };
}

/** Messages of the write worker (src/store/write-worker.ts). */
export type ToWorker = { kind: 'write'; id: number; batch: WriteBatch } | { kind: 'prune'; id: number; limits: LogPruneLimits } | { kind: 'close' };
/** `buffers`: the written batch's chunk buffers, handed back (transferred) for the next batches. */
export type FromWorker = { kind: 'written'; id: number; what: string; error?: string; linesError?: string; buffers: ArrayBuffer[] };

/** Apply the log's count/age limits and the 12 months of stats (the same code on either thread). */
export function pruneStore(log: LogStore, stats: StatsStore, limits: LogPruneLimits): void {
  log.pruneEntries(limits);
  stats.prune(limits.now);
}

/**
 * The stdout lines a batch carries (WriteBatch.lines), as UTF-8: its entries', the first `from`
 * left out. Written into `scratch` when given (valid until its next use).
 */
export function batchLines(batch: WriteBatch, scratch?: ScratchBuffer): Buffer {
  let skip = batch.lines?.from ?? 0;
  const parts: { bytes: Uint8Array; at: number }[] = [];
  let size = 0;
  for (const c of batch.chunks) {
    if (skip < c.n) {
      const room = requestLinesRoom(c.bytes, c.n, skip);
      parts.push({ bytes: c.bytes, at: room.at });
      size += room.size;
    }
    skip = Math.max(0, skip - c.n);
  }
  const out = scratch ? scratch.take(size) : Buffer.allocUnsafe(size);
  let o = 0;
  for (const p of parts) o = writeRequestLines(p.bytes, p.at, out, o);
  return out.subarray(0, o);
}

/** Write a batch in one transaction: the same code on the daemon's thread and in the worker. */
export function writeBatch(db: Db, log: LogStore, stats: StatsStore, batch: WriteBatch): void {
  db.transaction(() => {
    log.insertChunks(batch.chunks);
    stats.write(batch.stats);
  })();
}

export interface StoreWriterDeps {
  db: Db;
  log: LogStore;
  stats: StatsStore;
  /** The database file, for the worker's own connection; absent for an in-memory database. */
  file?: string;
  /**
   * Batches of at least this many log entries move the writing to a worker thread (started
   * then, for good): SQLite then costs the request path nothing but handing the text over.
   * Smaller batches (a trickle of traffic, most tests) are written on the spot. Infinity: never.
   */
  workerFromEntries: number;
  onError(what: string, e: unknown): void;
  /** A batch's chunk buffer the write thread is done with, for EntryLog.take() to reuse. */
  reuse?(buffer: ArrayBuffer): void;
  /** The worker thread started (for a debug line). */
  onThreadStart?(): void;
}

/**
 * Where the observer's batches go. On the daemon's own thread each flush costs ~5–9 µs per
 * entry (SQLite building the row, the WAL write at commit), a few percent of a request's CPU;
 * under load that work goes to a worker thread with its own connection to the same file (WAL
 * mode lets the daemon keep reading meanwhile). Batches reach SQLite in the order written.
 */
export class StoreWriter {
  private worker: Worker | undefined;
  private sent = 0;
  private done = 0;
  private waiters: { id: number; resolve: () => void }[] = [];
  private closing = false;
  private exited: Promise<void> | undefined;
  /** Where the lines of batches written on this thread are made. */
  private readonly lineScratch = new ScratchBuffer();

  constructor(private readonly deps: StoreWriterDeps) {}

  /** True while batches go to the worker thread. */
  get threaded(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Store a batch; failures are reported through onError, never thrown. Its `lines` are
   * written by the write thread, or here when there is none (as the thread would: only a
   * thread that stopped since the caller looked leaves them here).
   */
  write(batch: WriteBatch): void {
    if (!this.worker && !this.closing && this.deps.file && entriesIn(batch) >= this.deps.workerFromEntries) this.startWorker(this.deps.file);
    if (this.worker) {
      // the chunks' bytes move to the thread (their buffers are detached here)
      this.worker.postMessage({ kind: 'write', id: ++this.sent, batch } satisfies ToWorker, transferables(batch));
      return;
    }
    if (batch.lines) {
      try {
        writeLinesSync(batch.lines.fd, batchLines(batch, this.lineScratch));
      } catch (e) {
        this.deps.onError(WRITE_LINES, e);
      }
    }
    try {
      writeBatch(this.deps.db, this.deps.log, this.deps.stats, batch);
    } catch (e) {
      this.deps.onError(WRITE_LOG, e);
    }
  }

  /**
   * Retention, where the writes happen: under load deleting a minute's worth of old chunks is
   * tens of milliseconds the event loop need not wait for.
   */
  prune(limits: LogPruneLimits): void {
    if (this.worker) {
      this.worker.postMessage({ kind: 'prune', id: ++this.sent, limits } satisfies ToWorker);
      return;
    }
    try {
      pruneStore(this.deps.log, this.deps.stats, limits);
    } catch (e) {
      this.deps.onError(PRUNE_LOG, e);
    }
  }

  /** Resolves once every batch written so far is in SQLite (or has failed and been reported). */
  settled(): Promise<void> {
    if (!this.worker || this.done >= this.sent) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ id: this.sent, resolve }));
  }

  /** Let the worker write what it has, then end it (bounded: it is terminated after 5 s). */
  async close(): Promise<void> {
    this.closing = true;
    const w = this.worker;
    if (!w) return;
    w.postMessage({ kind: 'close' } satisfies ToWorker);
    const timer = setTimeout(() => void w.terminate(), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  private startWorker(file: string): void {
    let w: Worker;
    try {
      w = spawnWriteWorker(file);
    } catch (e) {
      this.deps.onError('start the database write thread', e);
      this.deps.workerFromEntries = Number.POSITIVE_INFINITY;
      return;
    }
    this.worker = w;
    this.deps.onThreadStart?.();
    // the daemon never waits on this thread to exit; close() ends it
    w.unref();
    w.on('message', (m: FromWorker) => {
      if (m.error) this.deps.onError(m.what, new Error(m.error));
      if (m.linesError) this.deps.onError(WRITE_LINES, new Error(m.linesError));
      for (const b of m.buffers) this.deps.reuse?.(b);
      this.done = m.id;
      this.release(m.id);
    });
    w.on('error', (e) => this.deps.onError(WRITE_LOG, e));
    this.exited = new Promise((resolve) => {
      w.once('exit', (code) => {
        if (this.worker === w) this.worker = undefined;
        if (!this.closing) {
          // batches in flight are lost, as in a crash (a few seconds at most); later ones are
          // written on this thread
          this.deps.onError(WRITE_LOG, new Error(`the database write thread stopped (exit code ${code})`));
          this.deps.workerFromEntries = Number.POSITIVE_INFINITY;
        }
        this.release(Number.POSITIVE_INFINITY);
        resolve();
      });
    });
  }

  private release(upTo: number): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.id <= upTo);
    this.waiters = this.waiters.filter((w) => w.id > upTo);
    for (const w of ready) w.resolve();
  }
}

/** The distinct buffers of a batch's chunk bytes (made for it by EntryLog.take or chunksOf). */
export function transferables(batch: WriteBatch): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const c of batch.chunks) if (c.bytes.buffer instanceof ArrayBuffer) out.add(c.bytes.buffer);
  return [...out];
}

function entriesIn(batch: WriteBatch): number {
  let n = 0;
  for (const c of batch.chunks) n += c.n;
  return n;
}

/**
 * The worker runs write-worker.js beside this module (dist/, or the one-file build in
 * dist/bundle/). From the TypeScript sources (tests, `tsx`) it loads write-worker.ts through
 * tsx's loader, registered in the worker itself (a worker does not inherit the loader).
 */
function spawnWriteWorker(file: string): Worker {
  const js = new URL('./write-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: { file } });
  const ts = new URL('./write-worker.ts', import.meta.url);
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(ts.href)});`;
  return new Worker(code, { eval: true, workerData: { file } });
}
