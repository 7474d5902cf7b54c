import { attemptFailureKind, brokeMidStream } from './metrics.js';
import type { LogEntry } from './types.js';

interface Sample {
  at: number;
  ok: boolean;
  ms: number;
  status: number;
  error: string | null;
}

/** One downstream's recent record, as GET /api/health/downstreams shows it. */
export interface DownstreamHealthReport {
  id: string;
  /** Requests (attempts) seen in the window. */
  requests: number;
  failures: number;
  /** 0..1, null without traffic in the window. */
  success_rate: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  last_status: number | null;
  last_error: string | null;
  last_seen: string | null;
}

export interface HealthOptions {
  /** Sliding window length. */
  windowMs: number;
  /** Samples kept per downstream at most (the newest). */
  maxSamples: number;
}

/**
 * Each downstream's success rate and latency from live traffic, in a sliding window kept
 * in memory. A downstream "fails" an attempt when it cannot be reached, times out, rate
 * limits, rejects the configured key, answers 5xx or empty, or when its stream breaks; a
 * 4xx about the request itself is the client's problem, not the downstream's.
 */
export class DownstreamHealth {
  private readonly samples = new Map<string, Sample[]>();

  constructor(private readonly opts: HealthOptions = { windowMs: 5 * 60_000, maxSamples: 1000 }) {}

  get windowMs(): number {
    return this.opts.windowMs;
  }

  record(e: LogEntry, now = Date.now()): void {
    const broke = brokeMidStream(e);
    if (e.attempts.length > 0) {
      e.attempts.forEach((a, i) => {
        // The last attempt is the one that served the client: a mid-stream failure is its failure.
        const failedLate = broke && i === e.attempts.length - 1;
        const kind = attemptFailureKind(a);
        if (a.status === 499 && !failedLate) return; // aborted by the client: says nothing about the downstream
        this.add(a.downstream_id, {
          at: now,
          ok: (kind === undefined || kind === 'client') && !failedLate,
          ms: a.duration_ms,
          status: a.status,
          error: a.error ?? (failedLate ? e.error : null),
        });
      });
    } else if (e.downstream_id !== null && e.ttfb_ms !== null) {
      // Routed and answered without attempt details: judge by what the client got.
      this.add(e.downstream_id, { at: now, ok: e.status < 500 && e.status !== 429 && !broke, ms: e.ttfb_ms, status: e.status, error: e.error });
    }
  }

  /** A report for each id (configured downstreams first, in their order), then any others seen. */
  report(ids: readonly string[], now = Date.now()): DownstreamHealthReport[] {
    const all = [...ids, ...[...this.samples.keys()].filter((k) => !ids.includes(k))];
    return all.map((id) => this.reportOne(id, now));
  }

  private reportOne(id: string, now: number): DownstreamHealthReport {
    const list = this.prune(id, now);
    const last = list[list.length - 1];
    const failures = list.filter((s) => !s.ok).length;
    const ms = list.map((s) => s.ms).sort((a, b) => a - b);
    return {
      id,
      requests: list.length,
      failures,
      success_rate: list.length ? (list.length - failures) / list.length : null,
      p50_ms: quantile(ms, 0.5),
      p95_ms: quantile(ms, 0.95),
      last_status: last?.status ?? null,
      last_error: last?.error ?? null,
      last_seen: last ? new Date(last.at).toISOString() : null,
    };
  }

  private add(id: string, s: Sample): void {
    let list = this.samples.get(id);
    if (!list) this.samples.set(id, (list = []));
    list.push(s);
    if (list.length > this.opts.maxSamples * 2) list.splice(0, list.length - this.opts.maxSamples);
  }

  private prune(id: string, now: number): Sample[] {
    const list = this.samples.get(id);
    if (!list) return [];
    const from = now - this.opts.windowMs;
    let drop = 0;
    while (drop < list.length && list[drop].at < from) drop++;
    if (list.length - drop > this.opts.maxSamples) drop = list.length - this.opts.maxSamples;
    if (drop) list.splice(0, drop);
    return list;
  }
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[i]);
}
