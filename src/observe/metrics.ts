import type { Metric } from 'prom-client';
import type { Attempt, LogEntry, UsageCounts } from './types.js';

/** prom-client's Registry.PROMETHEUS_CONTENT_TYPE, known before prom-client is loaded. */
const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Distinct values a label may take before further ones collapse into "(other)". */
const MAX_LABEL_VALUES = 500;

const TOKEN_KINDS: readonly (keyof UsageCounts)[] = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'reasoning_tokens'];
/** The `kind` label of each token count. */
const TOKEN_LABELS: readonly string[] = TOKEN_KINDS.map((k) => k.replace(/_tokens$/, ''));

/** Counts of one (client format, downstream, model, status). */
interface Series {
  labels: Record<string, string>;
  requests: number;
  duration: HistogramCounts;
  ttfb: HistogramCounts;
  /** Its (downstream, model)'s token counters by TOKEN_KINDS index, looked up on first use. */
  tokens: (LabelledValue | undefined)[];
}

interface LabelledValue {
  labels: Record<string, string>;
  value: number;
}

/** Observations per bucket (not cumulative; the last slot is above every bound), sum, count. */
interface HistogramCounts {
  buckets: number[];
  sum: number;
  count: number;
}

/** One exposition line as prom-client's registry formats it. */
interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

type PromClient = typeof import('prom-client');

/**
 * Prometheus metrics on a registry of our own (never prom-client's global one, so several
 * daemons in one process, as in tests, do not collide).
 *
 * Everything is derived from what the gateway already reports: finished log entries, the
 * `started` call of streamed responses (in-flight streams), and the gateway's own count of
 * requests in progress (read at scrape time through `setInflightSource`). `inflight()` is
 * there for a request path that has no such count of its own.
 *
 * Counts are kept in plain numbers and handed to prom-client's registry at scrape time:
 * prom-client's own counters and histograms hash and validate their labels on every call,
 * which made counting a request cost more than a tenth of what the gateway spends on it.
 * prom-client itself (and what it loads) is only imported at the first scrape, which keeps
 * it out of the daemon's start-up; the process metrics start from then.
 */
export class GatewayMetrics {
  private registryPromise: Promise<import('prom-client').Registry> | undefined;
  private readonly processMetrics: boolean;
  private readonly seenModels = new Set<string>();
  private inflightSource: () => number = () => 0;
  private manualInflight = 0;
  private inflightStreams = 0;
  private readonly openStreams = new Set<string>();
  private readonly series = new Map<string, Series>();
  private readonly tokenCounts = new Map<string, LabelledValue>();
  private readonly upstreamErrors = new Map<string, LabelledValue>();
  private dbErrors = 0;
  private viewers = 0;
  private droppedViewers = 0;

  constructor(opts: { processMetrics?: boolean } = {}) {
    this.processMetrics = opts.processMetrics ?? true;
  }

  /** The registry with every metric, built at the first scrape. */
  private registry(): Promise<import('prom-client').Registry> {
    this.registryPromise ??= import('prom-client').then((prom) => this.buildRegistry(prom));
    return this.registryPromise;
  }

  private buildRegistry(prom: PromClient): import('prom-client').Registry {
    const registry = new prom.Registry();
    const series = () => [...this.series.values()];
    const one = (value: () => number) => () => [{ labels: {}, value: value() }];
    const metrics: Metric[] = [
      exposed('tresor_requests_total', 'Gateway requests finished', 'counter', () => series().map((x) => ({ labels: x.labels, value: x.requests }))),
      exposed('tresor_request_duration_seconds', 'Gateway request total time', 'histogram', () =>
        series().flatMap((x) => histogramValues('tresor_request_duration_seconds', x.labels, x.duration)),
      ),
      exposed('tresor_ttfb_seconds', 'Time to the first byte of the response sent to the client', 'histogram', () =>
        series().flatMap((x) => histogramValues('tresor_ttfb_seconds', x.labels, x.ttfb)),
      ),
      exposed('tresor_tokens_total', 'Tokens by kind', 'counter', () => [...this.tokenCounts.values()]),
      exposed(
        'tresor_inflight_requests',
        'Gateway requests in progress',
        'gauge',
        one(() => this.inflightSource() + this.manualInflight),
      ),
      exposed(
        'tresor_inflight_streams',
        'Streamed responses in progress',
        'gauge',
        one(() => this.inflightStreams),
      ),
      exposed(
        'tresor_upstream_errors_total',
        'Failed downstream attempts by kind (connect, timeout, rate_limit, auth, server, client, stream)',
        'counter',
        () => [...this.upstreamErrors.values()],
      ),
      exposed(
        'tresor_store_write_errors_total',
        'Failed batched writes to the database',
        'counter',
        one(() => this.dbErrors),
      ),
      exposed(
        'tresor_log_viewers',
        'Connected live log viewers',
        'gauge',
        one(() => this.viewers),
      ),
      exposed(
        'tresor_log_viewers_dropped_total',
        'Live log viewers dropped for reading too slowly',
        'counter',
        one(() => this.droppedViewers),
      ),
    ];
    for (const m of metrics) registry.registerMetric(m);
    if (this.processMetrics) prom.collectDefaultMetrics({ register: registry, prefix: 'tresor_' });
    return registry;
  }

  /** Where the number of gateway requests in progress comes from (read at each scrape). */
  setInflightSource(fn: () => number): void {
    this.inflightSource = fn;
  }

  /** Adjust the in-flight requests gauge, or the in-flight streams gauge when `stream`, by hand. */
  inflight(delta: number, stream = false): void {
    if (stream) this.inflightStreams += delta;
    else this.manualInflight += delta;
  }

  /** A streamed response began (the observer's `started`). */
  streamStarted(id: string): void {
    if (this.openStreams.has(id)) return;
    this.openStreams.add(id);
    this.inflightStreams++;
  }

  /** Count one finished request. */
  record(e: LogEntry): void {
    if (this.openStreams.size > 0 && this.openStreams.delete(e.id)) this.inflightStreams--;
    const model = this.modelLabel(e);
    const downstream = e.downstream_id ?? '';
    const s = this.seriesOf(e.client_format ?? 'unknown', downstream, model, e.status);
    s.requests++;
    observe(s.duration, e.duration_ms / 1000);
    if (e.ttfb_ms !== null) observe(s.ttfb, e.ttfb_ms / 1000);
    for (let i = 0; i < TOKEN_KINDS.length; i++) {
      const n = e.usage[TOKEN_KINDS[i]];
      if (n > 0)
        (s.tokens[i] ??= counterIn(this.tokenCounts, `${i}\u0000${downstream}\u0000${model}`, () => ({ kind: TOKEN_LABELS[i], downstream, model }))).value += n;
    }
    for (const [ds, kind] of upstreamFailures(e)) counterIn(this.upstreamErrors, `${ds}\u0000${kind}`, () => ({ downstream: ds, kind })).value++;
  }

  private seriesOf(clientFormat: string, downstream: string, model: string, status: number): Series {
    const key = `${clientFormat}\u0000${downstream}\u0000${model}\u0000${status}`;
    let s = this.series.get(key);
    if (!s) {
      s = {
        labels: { client_format: clientFormat, downstream, model, status: String(status) },
        requests: 0,
        duration: emptyHistogram(),
        ttfb: emptyHistogram(),
        tokens: [],
      };
      this.series.set(key, s);
    }
    return s;
  }

  storeWriteFailed(): void {
    this.dbErrors++;
  }

  viewerCount(n: number): void {
    this.viewers = n;
  }

  viewerDropped(): void {
    this.droppedViewers++;
  }

  async text(): Promise<string> {
    return (await this.registry()).metrics();
  }

  /** The Prometheus text format's content type (what prom-client's default registry answers with). */
  get contentType(): string {
    return PROMETHEUS_CONTENT_TYPE;
  }

  /**
   * Requests rejected before routing carry whatever model name the client typed; only
   * routed requests' models become label values, and at most MAX_LABEL_VALUES of them.
   */
  private modelLabel(e: LogEntry): string {
    if (e.model === null || e.downstream_id === null) return '';
    if (this.seenModels.has(e.model)) return e.model;
    if (this.seenModels.size >= MAX_LABEL_VALUES) return '(other)';
    this.seenModels.add(e.model);
    return e.model;
  }
}

/** The message the gateway logs for a client that hung up: not a downstream failure. */
const CLIENT_GONE = 'client disconnected';

/** [downstream, kind] for each failed attempt of an entry (and a stream that broke after its start). */
export function upstreamFailures(e: LogEntry): [string, string][] {
  const out: [string, string][] = [];
  for (const a of e.attempts) {
    const kind = attemptFailureKind(a);
    if (kind) out.push([a.downstream_id, kind]);
  }
  if (e.downstream_id !== null && brokeMidStream(e)) out.push([e.downstream_id, 'stream']);
  return out;
}

/**
 * A response that started fine (status < 400) but carries an error: the downstream's stream
 * failed after the first byte. A client hanging up is not counted.
 */
export function brokeMidStream(e: LogEntry): boolean {
  if (e.status >= 400 || e.error === null || e.error === CLIENT_GONE) return false;
  const last = e.attempts[e.attempts.length - 1];
  return last === undefined || (last.error === undefined && last.status < 400);
}

/**
 * Kind of a failed downstream attempt; undefined when it succeeded or the client aborted it.
 * The gateway records the downstream's own status for HTTP errors, and 502/504 with a
 * message for network failures.
 */
export function attemptFailureKind(a: Attempt): string | undefined {
  const s = a.status;
  const msg = a.error ?? '';
  if (s === 499) return undefined;
  if (s < 400) return a.error === undefined ? undefined : /empty/i.test(msg) ? 'empty' : 'other';
  if (s === 429) return 'rate_limit';
  if (s === 401 || s === 403) return 'auth';
  if (s === 408 || s === 504 || /time(d)? ?out/i.test(msg)) return 'timeout';
  if (/could not (reach|connect)/i.test(msg)) return 'connect';
  if (s >= 500) return 'server';
  return 'client';
}

/** The counter at `key` in `map`, created at zero with `labels()` the first time. */
function counterIn(map: Map<string, LabelledValue>, key: string, labels: () => Record<string, string>): LabelledValue {
  let c = map.get(key);
  if (!c) map.set(key, (c = { labels: labels(), value: 0 }));
  return c;
}

function emptyHistogram(): HistogramCounts {
  return { buckets: new Array<number>(SECONDS_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
}

function observe(h: HistogramCounts, v: number): void {
  let i = 0;
  while (i < SECONDS_BUCKETS.length && v > SECONDS_BUCKETS[i]) i++;
  h.buckets[i]++;
  h.sum += v;
  h.count++;
}

/** A histogram's exposition: cumulative `_bucket` lines (le first, as prom-client writes them), `_sum`, `_count`. */
function histogramValues(name: string, labels: Record<string, string>, h: HistogramCounts): MetricValue[] {
  const out: MetricValue[] = [];
  let cumulative = 0;
  for (let i = 0; i < SECONDS_BUCKETS.length; i++) {
    cumulative += h.buckets[i];
    out.push({ labels: { le: SECONDS_BUCKETS[i], ...labels }, value: cumulative, metricName: `${name}_bucket` });
  }
  out.push({ labels: { le: '+Inf', ...labels }, value: h.count, metricName: `${name}_bucket` });
  out.push({ labels, value: h.sum, metricName: `${name}_sum` });
  out.push({ labels, value: h.count, metricName: `${name}_count` });
  return out;
}

/** A metric whose values are read from our own counts when the registry is scraped. */
function exposed(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', values: () => MetricValue[]): Metric {
  return {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
    reset: () => {},
  } as unknown as Metric;
}
