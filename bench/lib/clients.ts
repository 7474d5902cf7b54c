/**
 * The benchmark's own small HTTP clients, for what a load generator does not measure with
 * sub-millisecond resolution: latency and time to first token at concurrency 1 (gateway and
 * mock interleaved request by request), many concurrent slow streams, and SSE log viewers.
 */
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import type { ClientRequest } from './wire.js';

export interface Timing {
  status: number;
  /** Request start to the last byte, ms. */
  totalMs: number;
  /** Request start to the first body chunk holding `marker`, ms (streams). */
  firstTokenMs?: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on a keep-alive agent, timed with the monotonic clock. */
export function timedRequest(agent: Agent, port: number, r: ClientRequest, marker?: string, timeoutMs = 10_000): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstTokenMs: number | undefined;
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: r.path, headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) }, agent },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
          if (firstTokenMs === undefined && marker && body.includes(marker)) firstTokenMs = performance.now() - t0;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, totalMs: performance.now() - t0, firstTokenMs, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(r.body);
  });
}

export interface PairedSamples {
  direct: number[];
  gateway: number[];
  /** `tresor;dur=` values from the gateway's Server-Timing header. */
  serverTiming: number[];
  failures: string[];
}

/**
 * Alternate one request to the mock and one through the gateway, `n` times after `warmup`
 * pairs, so drift (CPU frequency, other load) hits both sides alike.
 * `pick` chooses the figure: total latency, or time to first token.
 */
export async function interleaved(
  direct: { port: number; req: ClientRequest },
  gateway: { port: number; req: ClientRequest },
  n: number,
  warmup: number,
  marker: string | undefined,
  check: { direct: (t: Timing) => string | undefined; gateway: (t: Timing) => string | undefined },
): Promise<PairedSamples> {
  const agentD = new Agent({ keepAlive: true, maxSockets: 1 });
  const agentG = new Agent({ keepAlive: true, maxSockets: 1 });
  const out: PairedSamples = { direct: [], gateway: [], serverTiming: [], failures: [] };
  try {
    for (let i = 0; i < warmup + n; i++) {
      const d = await timedRequest(agentD, direct.port, direct.req, marker);
      const g = await timedRequest(agentG, gateway.port, gateway.req, marker);
      const problem = check.gateway(g) ?? check.direct(d);
      if (problem) {
        if (out.failures.length < 5) out.failures.push(problem);
        continue;
      }
      if (i < warmup) continue;
      out.direct.push(marker ? (d.firstTokenMs ?? d.totalMs) : d.totalMs);
      out.gateway.push(marker ? (g.firstTokenMs ?? g.totalMs) : g.totalMs);
      const st = /tresor;dur=([\d.]+)/.exec(String(g.headers['server-timing'] ?? ''));
      if (st) out.serverTiming.push(Number(st[1]));
    }
  } finally {
    agentD.destroy();
    agentG.destroy();
  }
  return out;
}

export interface SlowStreamResult {
  streams: number;
  completed: number;
  failed: number;
  failures: string[];
  wallMs: number;
  ttftMs: { p50: number; p99: number; max: number };
  /** Largest pause between two received chunks of one stream, over all streams. */
  maxGapMs: number;
  p99GapMs: number;
  /** Streams with a pause longer than `stallMs` or that did not complete. */
  stalled: number;
  /** Where the time to first byte went: TCP connect, then response headers. */
  connectMs: { p50: number; p99: number; max: number };
  headersMs: { p50: number; p99: number; max: number };
}

/**
 * Open `count` streams at once and read them to the end, recording time to first token and
 * the longest silence within each stream.
 */
export async function concurrentStreams(
  port: number,
  r: ClientRequest,
  count: number,
  endMarker: string,
  stallMs: number,
  timeoutMs: number,
): Promise<SlowStreamResult> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const t0 = performance.now();
  const ttfts: number[] = [];
  const connects: number[] = [];
  const headerTimes: number[] = [];
  const gaps: number[] = [];
  const failures: string[] = [];
  let completed = 0;
  let stalled = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const start = performance.now();
      let last = start;
      let maxGap = 0;
      let first: number | undefined;
      let body = '';
      const done = (problem?: string) => {
        if (problem) {
          if (failures.length < 5) failures.push(problem);
          stalled++;
        } else {
          completed++;
          gaps.push(maxGap);
          if (maxGap > stallMs) stalled++;
        }
        resolve();
      };
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: r.path, headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) }, agent },
        (res) => {
          headerTimes.push(performance.now() - start);
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            const now = performance.now();
            if (first === undefined) {
              first = now - start;
              ttfts.push(first);
            } else maxGap = Math.max(maxGap, now - last);
            last = now;
            body += c;
          });
          res.on('end', () => {
            if (res.statusCode !== 200) done(`status ${res.statusCode}: ${body.slice(0, 200)}`);
            else if (!body.includes(endMarker)) done(`stream ended without ${endMarker}: …${body.slice(-200)}`);
            else done();
          });
          res.on('error', (e) => done(e.message));
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`stream timed out after ${timeoutMs} ms`)));
      req.on('error', (e) => done(e.message));
      req.on('socket', (s) => s.once('connect', () => connects.push(performance.now() - start)));
      req.end(r.body);
    });
  await Promise.all(Array.from({ length: count }, one));
  agent.destroy();
  const sortedTtft = [...ttfts].sort((a, b) => a - b);
  const sortedGaps = [...gaps].sort((a, b) => a - b);
  const spread = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { p50: pct(sorted, 50), p99: pct(sorted, 99), max: sorted[sorted.length - 1] ?? 0 };
  };
  return {
    streams: count,
    completed,
    failed: count - completed,
    failures,
    wallMs: performance.now() - t0,
    ttftMs: { p50: pct(sortedTtft, 50), p99: pct(sortedTtft, 99), max: sortedTtft[sortedTtft.length - 1] ?? 0 },
    maxGapMs: sortedGaps[sortedGaps.length - 1] ?? 0,
    p99GapMs: pct(sortedGaps, 99),
    stalled,
    connectMs: spread(connects),
    headersMs: spread(headerTimes),
  };
}

/** Percentile of an ascending array (nearest rank). */
export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** The middle value; the mean of the two middle values for an even count. */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
