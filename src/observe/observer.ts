import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { destinationOf, plainDestinationFd } from '../app/logger.js';
import { requestLogLine } from './entry-json.js';
import { errorText, type Db } from '../store/db.js';
import { CHUNK_ENTRIES, type LogRecord, type LogStore, type PayloadRecord } from '../store/log-store.js';
import { StatsBatch, type StatsStore } from '../store/stats-store.js';
import { StoreWriter, WRITE_LOG, type WriteBatch } from '../store/writer.js';
import type { LogFilter } from './filter.js';
import type { DownstreamHealth } from './health.js';
import type { LiveHub } from './live.js';
import type { GatewayMetrics } from './metrics.js';
import { EntryLog } from './entry-log.js';
import { utf8Room } from '../util/byte-slabs.js';
import {
  isPayloadSource,
  packed,
  payloadsOf,
  type CapturedBody,
  type CapturedPayloads,
  type LogEntry,
  type PayloadSource,
  type RequestObserver,
} from './types.js';

export interface ObserverOptions {
  /** Entries kept in memory for the live view and replay. */
  ringSize: number;
  /** Batched SQLite writes happen at least this often. */
  flushIntervalMs: number;
  /** …or as soon as this many entries wait. */
  flushBatchSize: number;
  /** Retention pruning runs at most this often. */
  pruneIntervalMs: number;
  /** Flushes of this many entries move the SQLite writes to a worker thread (StoreWriter); Infinity: never. */
  storeWorkerFrom: number;
}

export const DEFAULT_OBSERVER_OPTIONS: ObserverOptions = {
  // What the live view replays and what pages show before SQLite has it (a batch or two):
  // entries kept longer than the young generation holds them cost the GC (~3 µs a request
  // at 1,000 under load, measured with bench/observer-cost.ts).
  ringSize: 256,
  flushIntervalMs: 1000,
  // Four chunks a transaction: each commit also rewrites whole 64 KiB pages of the stats and
  // the indexes, a fixed cost a batch; at one chunk a batch "on" cost 10.1–10.5 µs a request
  // on all threads, at four 8.2–9.0 (bench/observer-cost.ts). Waiting entries are bytes off
  // the heap (EntryLog), and the interval still bounds how long they wait.
  flushBatchSize: 4 * CHUNK_ENTRIES,
  pruneIntervalMs: 60_000,
  storeWorkerFrom: CHUNK_ENTRIES,
};

export interface ObserverDeps {
  config: () => Config;
  logger: Logger;
  /** Absent only when not even an in-memory database could be opened. */
  db?: Db;
  /** The database's file (absent for an in-memory one): the write thread opens its own connection. */
  dbFile?: string;
  log?: LogStore;
  stats?: StatsStore;
  metrics: GatewayMetrics;
  health: DownstreamHealth;
  live: LiveHub;
}

/** The four captured bodies of an entry, each null when not captured. */
export interface EntryPayloads {
  client_request: CapturedBody | null;
  downstream_request: CapturedBody | null;
  downstream_response: CapturedBody | null;
  client_response: CapturedBody | null;
  client_headers?: Record<string, string>;
  downstream_headers?: Record<string, string>;
  downstream_url?: string;
}

export interface LogPage {
  entries: LogEntry[];
  /** Pass as `before` for the next (older) page; null when this page is the last. */
  next_before: number | null;
}

/** What finished() and started() leave for the end of the event-loop turn (runTick). */
interface Queued {
  kind: 'entry' | 'started';
  entry: LogEntry;
  /** A finished entry's place in the log. */
  record?: { seq: number };
}

/** A recent capture, packed (see PayloadSource). */
interface KeptCapture {
  seq: number;
  id: string;
  source: CapturedPayloads | PayloadSource;
}

/** Request lines wait at most this long before they are written to stdout… */
const LOG_WRITE_MS = 50;
/** …or until this many characters wait. */
const LOG_WRITE_BYTES = 64 * 1024;

/** How often a persisting failure is logged again. */
const ERROR_LOG_INTERVAL_MS = 30_000;

/**
 * The gateway's RequestObserver. `finished()` only appends to memory and schedules work:
 * metrics, health, stdout logging and SSE fan-out run once per event-loop turn for all the
 * entries that arrived in it; the log and stats go to SQLite in one transaction per flush
 * (interval or batch size), captures with the retention run.
 */
export class Observer implements RequestObserver {
  /** The recent entries (the ring), and those not yet handed to SQLite (pending). */
  readonly ring: EntryLog;
  private seq: number;
  /** The pending entries' counts for the stats. */
  private pendingStats = new StatsBatch();
  /**
   * The newest capture_max_entries captures, oldest first, from `capturesHead` on: dropping
   * the oldest moves the head (a shift per capture cost ~0.7 µs: V8 moves the rest of the
   * array), the array is cut back once the dropped part is as long as the kept one. No map
   * of ids. What the inspector reads. They are written to SQLite (for the next start) when
   * the retention runs and at close, not with each flush: a capture is four bodies, and
   * nearly all of them would be pruned before long.
   */
  private captures: (KeptCapture | undefined)[] = [];
  private capturesHead = 0;
  /** Captures up to this seq are in SQLite. */
  private savedCaptureSeq = 0;
  private queued: Queued[] = [];
  private tickScheduled = false;
  private readonly timer: NodeJS.Timeout;
  private lastPrune = 0;
  /** When each kind of failure was last logged. */
  private readonly lastErrorLog = new Map<string, number>();
  private closed = false;
  /** Where the per-request stdout lines go: the daemon logger's destination. */
  private readonly logOut: { write(text: string): unknown };
  private logLines = '';
  private logTimer: NodeJS.Timeout | undefined;
  /**
   * Where pending entries' stdout lines are left to the write thread from (an index among the
   * ring's pending entries), or -1: once the store is written by that thread and the logger
   * writes to a plain fd, the thread writes the lines too, from the chunk bytes it gets anyway
   * (the event loop then spends nothing on them: see batchLines).
   */
  private linesFrom = -1;
  private plainFd: number | undefined;
  private readonly writer: StoreWriter | undefined;

  constructor(
    private readonly deps: ObserverDeps,
    private readonly opts: ObserverOptions = DEFAULT_OBSERVER_OPTIONS,
  ) {
    this.logOut = destinationOf(deps.logger);
    this.seq = this.safely('read the request log', () => deps.log?.maxSeq() ?? 0) ?? 0;
    const { db, log, stats } = deps;
    const storing = db !== undefined && log !== undefined && stats !== undefined;
    this.ring = new EntryLog(opts.ringSize, storing ? opts.flushBatchSize : 0);
    if (storing) {
      this.writer = new StoreWriter({
        db,
        log,
        stats,
        file: deps.dbFile,
        workerFromEntries: opts.storeWorkerFrom,
        onError: (what, e) => {
          this.reportError(what, e);
          if (what === WRITE_LOG) deps.metrics.storeWriteFailed();
        },
        onThreadStart: () => deps.logger.debug('busy: the request log and statistics are now written to SQLite by a worker thread'),
        reuse: (buffer) => this.ring.reuse(buffer),
      });
    }
    this.timer = setInterval(() => this.flush(), opts.flushIntervalMs).unref();
    this.prune();
  }

  started(entry: LogEntry): void {
    if (this.closed) return;
    // The gateway keeps filling this object in: viewers are sent what it holds now (framed
    // as bytes at once); the metrics use only its id.
    if (this.deps.live.count > 0) this.deps.live.started(entry);
    this.queue({ kind: 'started', entry });
  }

  finished(entry: LogEntry, payloads?: CapturedPayloads | PayloadSource): void {
    if (this.closed) return;
    const seq = ++this.seq;
    if (payloads) this.keepCapture({ seq, id: entry.id, source: packed(payloads) });
    // serialized, counted and kept in the ring at the end of the event-loop turn (runTick)
    this.queue({ kind: 'entry', entry, record: { seq } });
  }

  /**
   * Hand everything pending to SQLite (one transaction; on the write thread under load, see
   * StoreWriter). Failures are logged, never thrown.
   */
  flush(): void {
    this.drain();
    this.flushPending();
    if (Date.now() - this.lastPrune >= this.opts.pruneIntervalMs) this.prune();
  }

  /** Hand the pending entries and their stats to the writer (with their stdout lines when the write thread writes those). */
  private flushPending(): void {
    if (this.ring.pendingCount === 0 || !this.writer) return;
    const linesFrom = this.linesFrom;
    const toThread = linesFrom >= 0 && this.plainFd !== undefined && this.writer.threaded;
    // (the write thread stopped: the lines left to it are written here, before the entries are taken)
    if (linesFrom >= 0 && !toThread) this.writeLines(this.ring.pendingLines(linesFrom));
    const stats = this.pendingStats;
    this.pendingStats = new StatsBatch();
    this.linesFrom = -1;
    const batch: WriteBatch = { chunks: this.ring.take(), stats: [...stats.values()] };
    this.writer.write(toThread ? { ...batch, lines: { fd: this.plainFd!, from: linesFrom } } : batch);
  }

  /** Flush, and resolve once everything finished so far is in SQLite (GET /api/stats answers from there). */
  flushed(): Promise<void> {
    this.flush();
    return this.writer?.settled() ?? Promise.resolve();
  }

  /** Save the captures, then apply the configured retention: log count/age, captures, 12 months of stats. */
  prune(now = Date.now()): void {
    this.lastPrune = now;
    const cfg = this.deps.config();
    this.trimCaptures(cfg.capture_max_entries);
    this.saveCaptures();
    this.writer?.prune({ maxEntries: cfg.log_max_entries, retentionDays: cfg.log_retention_days, now });
    this.safely('prune the captured payloads', () => this.deps.log?.pruneCaptures(cfg.capture_max_entries));
  }

  /** Newest-first page of history: the in-memory ring merged with SQLite. */
  page(filter: LogFilter, before: number | undefined, limit: number): LogPage {
    this.drain();
    const fromRing = this.ring.newest(limit + 1, filter, before);
    const fromDb = this.safely('read the request log', () => this.deps.log?.page(filter, before, limit + 1)) ?? [];
    const bySeq = new Map<number, LogRecord>();
    for (const r of fromDb) bySeq.set(r.seq, r);
    for (const r of fromRing) bySeq.set(r.seq, r);
    const merged = [...bySeq.values()].sort((a, b) => b.seq - a.seq);
    const page = merged.slice(0, limit);
    return { entries: page.map((r) => r.entry), next_before: merged.length > limit ? page[page.length - 1].seq : null };
  }

  /** One entry with its captured bodies, or undefined when unknown. */
  entry(id: string): { entry: LogEntry; payloads: EntryPayloads } | undefined {
    this.drain();
    const rec = this.ring.get(id) ?? this.safely('read the request log', () => this.deps.log?.get(id));
    if (!rec) return undefined;
    const kept = this.keptCapture(id);
    const captured = kept ? payloadsOf(kept.source) : this.safely('read captured payloads', () => this.deps.log?.payloads(id));
    return { entry: rec.entry, payloads: entryPayloads(captured, this.deps.config().capture_max_bytes) };
  }

  /** Recent ring records for SSE replay, oldest first. */
  replay(n: number, filter: LogFilter, afterSeq?: number): LogRecord[] {
    this.drain();
    const recs = this.ring.newest(n, filter);
    return (afterSeq === undefined ? recs : recs.filter((r) => r.seq > afterSeq)).reverse();
  }

  /** Write out what is pending and end the write thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    this.runTick();
    this.writeLogLines();
    this.flush();
    this.saveCaptures();
    this.closed = true;
    await this.writer?.close();
  }

  private queue(ev: Queued): void {
    this.queued.push(ev);
    if (!this.tickScheduled) {
      this.tickScheduled = true;
      setImmediate(() => this.runTick());
    }
  }

  /** Process what finished in this event-loop turn now (readers see every finished request). */
  private drain(): void {
    if (this.queued.length > 0) this.runTick();
  }

  /**
   * Everything that need not happen on the gateway's stack, once per event-loop turn: metrics,
   * health, the entry serialized once (for stdout, viewers, the ring and SQLite), stats counted.
   */
  private runTick(): void {
    this.tickScheduled = false;
    const events = this.queued;
    if (events.length === 0) return;
    this.queued = [];
    const { metrics, health, logger, live } = this.deps;
    const logging = logger.isLevelEnabled('info');
    // (looked up each time: a logger writing to a file may reopen it, for log rotation)
    this.plainFd = logging && this.writer?.threaded ? plainDestinationFd(logger) : undefined;
    const linesToThread = this.plainFd !== undefined;
    if (linesToThread) {
      // lines written here go first
      if (this.logLines) this.writeLogLines();
    } else if (this.linesFrom >= 0) {
      // the write thread stopped: the lines it was left are written here
      this.writeLines(this.ring.pendingLines(this.linesFrom));
      this.linesFrom = -1;
    }
    const viewers = live.count > 0;
    let lines = '';
    for (const ev of events) {
      if (ev.kind === 'started') {
        metrics.streamStarted(ev.entry.id);
        continue;
      }
      try {
        metrics.record(ev.entry);
        health.record(ev.entry);
      } catch (e) {
        this.reportError('record metrics', e);
      }
      if (!ev.record) continue;
      const e = ev.entry;
      if (this.writer && linesToThread && this.linesFrom < 0) this.linesFrom = this.ring.pendingCount;
      const slot = this.ring.add(ev.record.seq, e);
      if (this.writer) this.pendingStats.add(e);
      if (viewers) live.finished(ev.record.seq, e, this.ring.jsonBytes(slot));
      if (logging && !linesToThread) lines += requestLogLine(this.ring.json(slot));
      // (a full batch goes at once: the ring keeps no more pending entries than that)
      if (this.ring.pendingCount >= this.opts.flushBatchSize) this.flushPending();
    }
    if (lines) this.writeLines(lines);
  }

  /**
   * Request lines go out in one write per LOG_WRITE_MS or LOG_WRITE_BYTES, whichever comes
   * first: a write per line (or per turn under load) costs more than building the lines.
   */
  private writeLines(lines: string): void {
    this.logLines += lines;
    if (this.logLines.length >= LOG_WRITE_BYTES) this.writeLogLines();
    else this.logTimer ??= setTimeout(() => this.writeLogLines(), LOG_WRITE_MS).unref();
  }

  private writeLogLines(): void {
    if (this.logTimer) clearTimeout(this.logTimer);
    this.logTimer = undefined;
    if (this.logLines === '') return;
    const text = this.logLines;
    this.logLines = '';
    this.logOut.write(text);
  }

  private keepCapture(rec: KeptCapture): void {
    this.captures.push(rec);
    this.trimCaptures(this.deps.config().capture_max_entries);
  }

  /** Exactly the newest `max`: each capture kept longer is more for the GC to copy. */
  private trimCaptures(max: number): void {
    const all = this.captures;
    while (all.length - this.capturesHead > max) {
      const { source } = all[this.capturesHead]!;
      all[this.capturesHead++] = undefined;
      if (isPayloadSource(source)) source.release?.();
    }
    if (this.capturesHead > 0 && this.capturesHead >= all.length - this.capturesHead) {
      this.captures = all.slice(this.capturesHead);
      this.capturesHead = 0;
    }
  }

  /** The kept captures, oldest first. */
  private keptCaptures(): KeptCapture[] {
    return this.captures.slice(this.capturesHead) as KeptCapture[];
  }

  /** A kept capture by request id (a scan: lookups are rare). */
  private keptCapture(id: string): KeptCapture | undefined {
    for (let i = this.captures.length - 1; i >= this.capturesHead; i--) if (this.captures[i]!.id === id) return this.captures[i];
    return undefined;
  }

  /** Write the kept captures not yet in SQLite, capped, and prune there. */
  private saveCaptures(): void {
    const { db, log } = this.deps;
    if (!db || !log) return;
    const cfg = this.deps.config();
    const recs: PayloadRecord[] = this.keptCaptures()
      .filter((c) => c.seq > this.savedCaptureSeq)
      .map((c) => ({ seq: c.seq, id: c.id, payloads: capPayloads(payloadsOf(c.source), cfg.capture_max_bytes) }));
    if (recs.length === 0) return;
    this.savedCaptureSeq = recs[recs.length - 1].seq;
    this.safely('write captured payloads', () => {
      db.transaction(() => {
        for (const c of recs) log.insertCapture(c);
        log.pruneCaptures(cfg.capture_max_entries);
      })();
      return true;
    });
  }

  /** Run a storage operation; on failure log (rate-limited) and return undefined. */
  private safely<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.reportError(what, e);
      return undefined;
    }
  }

  private reportError(what: string, e: unknown): void {
    const now = Date.now();
    if (now - (this.lastErrorLog.get(what) ?? 0) < ERROR_LOG_INTERVAL_MS) return;
    this.lastErrorLog.set(what, now);
    this.deps.logger.error({ err: errorText(e) }, `cannot ${what}; the daemon keeps serving`);
  }
}

/** Enforce the per-body cap again (the gateway caps too; this bounds what the store keeps). */
export function capPayloads(p: CapturedPayloads, maxBytes: number): CapturedPayloads {
  const out: CapturedPayloads = { ...p };
  for (const k of ['client_request', 'downstream_request', 'downstream_response', 'client_response'] as const) {
    const b = p[k];
    if (b) out[k] = capBody(b, maxBytes);
  }
  return out;
}

function capBody(b: CapturedBody, maxBytes: number): CapturedBody {
  if (utf8Room(b.body) <= maxBytes || Buffer.byteLength(b.body) <= maxBytes) return b;
  const cut = Buffer.from(b.body)
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return { body: cut, truncated: true };
}

function entryPayloads(p: CapturedPayloads | undefined, maxBytes: number): EntryPayloads {
  const capped = p ? capPayloads(p, maxBytes) : undefined;
  const out: EntryPayloads = {
    client_request: capped?.client_request ?? null,
    downstream_request: capped?.downstream_request ?? null,
    downstream_response: capped?.downstream_response ?? null,
    client_response: capped?.client_response ?? null,
  };
  if (capped?.client_headers) out.client_headers = capped.client_headers;
  if (capped?.downstream_headers) out.downstream_headers = capped.downstream_headers;
  if (capped?.downstream_url) out.downstream_url = capped.downstream_url;
  return out;
}
