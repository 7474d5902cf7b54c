import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Attempt, LogEntry, UsageCounts } from './types.js';

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Distinct values a label may take before further ones collapse into "(other)". */
const MAX_LABEL_VALUES = 500;

const TOKEN_KINDS: readonly (keyof UsageCounts)[] = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'reasoning_tokens'];

/**
 * Prometheus metrics on a registry of our own (never prom-client's global one, so several
 * daemons in one process, as in tests, do not collide).
 *
 * Everything is derived from what the gateway already reports: finished log entries, the
 * `started` call of streamed responses (in-flight streams), and the gateway's own count of
 * requests in progress (read at scrape time through `setInflightSource`). `inflight()` is
 * there for a request path that has no such count of its own.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'client_format' | 'downstream' | 'model' | 'status'>;
  private readonly duration: Histogram<'client_format' | 'downstream' | 'model' | 'status'>;
  private readonly ttfb: Histogram<'client_format' | 'downstream' | 'model' | 'status'>;
  private readonly tokens: Counter<'kind' | 'downstream' | 'model'>;
  private readonly inflightRequests: Gauge;
  private readonly inflightStreams: Gauge;
  private readonly upstreamErrors: Counter<'downstream' | 'kind'>;
  private readonly dbErrors: Counter;
  private readonly viewers: Gauge;
  private readonly droppedViewers: Counter;
  private readonly seenModels = new Set<string>();
  private inflightSource: () => number = () => 0;
  private manualInflight = 0;
  private readonly openStreams = new Set<string>();

  constructor(opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const labels = ['client_format', 'downstream', 'model', 'status'] as const;
    this.requests = new Counter({ name: 'tresor_requests_total', help: 'Gateway requests finished', labelNames: labels, registers });
    this.duration = new Histogram({
      name: 'tresor_request_duration_seconds',
      help: 'Gateway request total time',
      labelNames: labels,
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.ttfb = new Histogram({
      name: 'tresor_ttfb_seconds',
      help: 'Time to the first byte of the response sent to the client',
      labelNames: labels,
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.tokens = new Counter({ name: 'tresor_tokens_total', help: 'Tokens by kind', labelNames: ['kind', 'downstream', 'model'], registers });
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.inflightRequests = new Gauge({
      name: 'tresor_inflight_requests',
      help: 'Gateway requests in progress',
      registers,
      collect() {
        this.set(self.inflightSource() + self.manualInflight);
      },
    });
    this.inflightStreams = new Gauge({ name: 'tresor_inflight_streams', help: 'Streamed responses in progress', registers });
    this.upstreamErrors = new Counter({
      name: 'tresor_upstream_errors_total',
      help: 'Failed downstream attempts by kind (connect, timeout, rate_limit, auth, server, client, stream)',
      labelNames: ['downstream', 'kind'],
      registers,
    });
    this.dbErrors = new Counter({ name: 'tresor_store_write_errors_total', help: 'Failed batched writes to the database', registers });
    this.viewers = new Gauge({ name: 'tresor_log_viewers', help: 'Connected live log viewers', registers });
    this.droppedViewers = new Counter({ name: 'tresor_log_viewers_dropped_total', help: 'Live log viewers dropped for reading too slowly', registers });
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'tresor_' });
  }

  /** Where the number of gateway requests in progress comes from (read at each scrape). */
  setInflightSource(fn: () => number): void {
    this.inflightSource = fn;
  }

  /** Adjust the in-flight requests gauge, or the in-flight streams gauge when `stream`, by hand. */
  inflight(delta: number, stream = false): void {
    if (stream) this.inflightStreams.inc(delta);
    else this.manualInflight += delta;
  }

  /** A streamed response began (the observer's `started`). */
  streamStarted(id: string): void {
    if (this.openStreams.has(id)) return;
    this.openStreams.add(id);
    this.inflightStreams.inc();
  }

  /** Count one finished request. */
  record(e: LogEntry): void {
    if (this.openStreams.delete(e.id)) this.inflightStreams.dec();
    const model = this.modelLabel(e);
    const downstream = e.downstream_id ?? '';
    const labels = { client_format: e.client_format ?? 'unknown', downstream, model, status: String(e.status) };
    this.requests.inc(labels);
    this.duration.observe(labels, e.duration_ms / 1000);
    if (e.ttfb_ms !== null) this.ttfb.observe(labels, e.ttfb_ms / 1000);
    for (const kind of TOKEN_KINDS) {
      const n = e.usage[kind];
      if (n > 0) this.tokens.inc({ kind: kind.replace(/_tokens$/, ''), downstream, model }, n);
    }
    for (const [ds, kind] of upstreamFailures(e)) this.upstreamErrors.inc({ downstream: ds, kind });
  }

  storeWriteFailed(): void {
    this.dbErrors.inc();
  }

  viewerCount(n: number): void {
    this.viewers.set(n);
  }

  viewerDropped(): void {
    this.droppedViewers.inc();
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
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
