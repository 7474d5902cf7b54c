import type { Statement } from 'better-sqlite3';
import { LATENCY_BUCKETS, latencyBucket, percentileFromBuckets } from '../observe/histogram.js';
import type { LogEntry } from '../observe/types.js';
import type { Db } from './db.js';
import { HIST_COLUMNS } from './schema.js';

export type StatsGroupBy = 'model' | 'downstream' | 'client' | 'day';
export const STATS_GROUPS: readonly StatsGroupBy[] = ['model', 'downstream', 'client', 'day'];

/** One row of GET /api/stats. */
export interface StatsRow {
  key: string;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  reasoning_tokens: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

/** How a missing model/downstream shows in stats keys (ids cannot contain parentheses). */
export const NO_KEY = '(none)';

/** Longest model name kept as a stats key; longer names are cut so junk cannot bloat rows. */
const MAX_KEY_CHARS = 200;

/** The counts of one day × model × downstream × client key in a batch (plain data: it may cross to a worker thread). */
export interface StatsAggregate {
  day: string;
  model: string;
  downstream: string;
  client: string;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  reasoning_tokens: number;
  duration_sum_ms: number;
  min_ms: number;
  max_ms: number;
  hist: number[];
}

/**
 * Counts of a batch of finished requests, summed per day × model × downstream × client in
 * memory so a flush writes one upsert per key instead of one per request.
 */
export class StatsBatch {
  private readonly rows = new Map<string, StatsAggregate>();
  private last: StatsAggregate | undefined;

  get size(): number {
    return this.rows.size;
  }

  add(e: LogEntry): void {
    const day = dayOf(e.time);
    const model = (e.model ?? '').slice(0, MAX_KEY_CHARS);
    const downstream = e.downstream_id ?? '';
    const client = e.client_addr;
    // under load most requests have the previous one's key: no key string and lookup then
    let a = this.last;
    if (!a || a.day !== day || a.model !== model || a.downstream !== downstream || a.client !== client) a = this.aggregate(day, model, downstream, client);
    const ms = Math.max(0, Math.round(e.duration_ms));
    a.requests++;
    if (e.status >= 400) a.errors++;
    a.input_tokens += e.usage.input_tokens;
    a.output_tokens += e.usage.output_tokens;
    a.cache_read_tokens += e.usage.cache_read_tokens;
    a.cache_creation_tokens += e.usage.cache_creation_tokens;
    a.reasoning_tokens += e.usage.reasoning_tokens;
    a.duration_sum_ms += ms;
    a.min_ms = Math.min(a.min_ms, ms);
    a.max_ms = Math.max(a.max_ms, ms);
    a.hist[latencyBucket(ms)]++;
  }

  values(): IterableIterator<StatsAggregate> {
    return this.rows.values();
  }

  clear(): void {
    this.rows.clear();
    this.last = undefined;
  }

  /** The aggregate of a key, made when new; the next add() tries it first. */
  private aggregate(day: string, model: string, downstream: string, client: string): StatsAggregate {
    const key = `${day}\u0000${model}\u0000${downstream}\u0000${client}`;
    let a = this.rows.get(key);
    if (!a) {
      a = {
        day,
        model,
        downstream,
        client,
        requests: 0,
        errors: 0,
        input_tokens: 0,
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_creation_tokens: 0,
        reasoning_tokens: 0,
        duration_sum_ms: 0,
        min_ms: Number.POSITIVE_INFINITY,
        max_ms: 0,
        hist: new Array<number>(LATENCY_BUCKETS).fill(0),
      };
      this.rows.set(key, a);
    }
    return (this.last = a);
  }
}

const COUNT_COLUMNS = [
  'requests',
  'errors',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'reasoning_tokens',
  'duration_sum_ms',
] as const;

const GROUP_COLUMN: Record<StatsGroupBy, string> = { model: 'model', downstream: 'downstream', client: 'client', day: 'day' };

/** Daily usage aggregates in SQLite. */
export class StatsStore {
  private readonly upsert: Statement<unknown[]>;

  constructor(private readonly db: Db) {
    const cols = ['day', 'model', 'downstream', 'client', ...COUNT_COLUMNS, 'min_ms', 'max_ms', ...HIST_COLUMNS];
    const sums = [...COUNT_COLUMNS, ...HIST_COLUMNS].map((c) => `${c} = ${c} + excluded.${c}`);
    this.upsert = db.prepare(
      `INSERT INTO stats_daily (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})
       ON CONFLICT (day, model, downstream, client) DO UPDATE SET ${sums.join(', ')},
         min_ms = min(min_ms, excluded.min_ms), max_ms = max(max_ms, excluded.max_ms)`,
    );
  }

  /** Add a batch (call inside a transaction). */
  write(rows: Iterable<StatsAggregate>): void {
    for (const a of rows) {
      this.upsert.run(a.day, a.model, a.downstream, a.client, ...COUNT_COLUMNS.map((c) => a[c]), Number.isFinite(a.min_ms) ? a.min_ms : 0, a.max_ms, ...a.hist);
    }
  }

  /** Rows for days fromDay..toDay (inclusive, 'YYYY-MM-DD'), grouped. */
  query(fromDay: string, toDay: string, groupBy: StatsGroupBy): StatsRow[] {
    const keyCol = GROUP_COLUMN[groupBy];
    const sql = `SELECT ${keyCol} AS key, ${[...COUNT_COLUMNS, ...HIST_COLUMNS].map((c) => `sum(${c}) AS ${c}`).join(', ')},
        min(min_ms) AS min_ms, max(max_ms) AS max_ms
      FROM stats_daily WHERE day BETWEEN ? AND ? GROUP BY ${keyCol}`;
    const rows = this.db.prepare<[string, string], Record<string, number | string>>(sql).all(fromDay, toDay);
    const out = rows.map((r): StatsRow => {
      const hist = HIST_COLUMNS.map((c) => Number(r[c]));
      const min = Number(r.min_ms);
      const max = Number(r.max_ms);
      return {
        key: r.key === '' ? NO_KEY : String(r.key),
        requests: Number(r.requests),
        errors: Number(r.errors),
        input_tokens: Number(r.input_tokens),
        output_tokens: Number(r.output_tokens),
        cache_read_tokens: Number(r.cache_read_tokens),
        cache_creation_tokens: Number(r.cache_creation_tokens),
        reasoning_tokens: Number(r.reasoning_tokens),
        p50_ms: percentileFromBuckets(hist, 0.5, min, max),
        p95_ms: percentileFromBuckets(hist, 0.95, min, max),
      };
    });
    if (groupBy === 'day') out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    else out.sort((a, b) => b.requests - a.requests || (a.key < b.key ? -1 : 1));
    return out;
  }

  /** Keep 12 months: drop days before the same date a year ago. */
  prune(now: number): number {
    return this.db.prepare('DELETE FROM stats_daily WHERE day < ?').run(statsCutoffDay(now)).changes;
  }
}

/** First day still kept: today minus 12 months. */
export function statsCutoffDay(now: number): string {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() - 12);
  return utcDay(d.getTime());
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The UTC day of an ISO time; `toISOString()` output (what the gateway records) is read directly. */
function dayOf(iso: string): string {
  if (iso.length === 24 && iso[10] === 'T' && iso[23] === 'Z') return iso.slice(0, 10);
  return utcDay(Date.parse(iso) || Date.now());
}
