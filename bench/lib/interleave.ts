/**
 * An interleaving load generator: the same request against several targets in turn, in
 * short slices, round-robin, so that they are measured under the same machine conditions.
 * On a shared VM the speed of the machine drifts by tens of percent within seconds: runs one
 * after the other compare moments as much as servers, slices of a quarter second cancel the
 * drift out (the same daemon measured as two targets agreed with itself within 2 % in four
 * rounds of five).
 *
 * A target may bring `control`: a URL POSTed (expecting 2xx) before each of its slices, to
 * switch the daemon's mode (bench/lib/daemon-entry.mjs --control), so that several modes of
 * one process can be targets; and `viewers`: that many SSE log viewers (GET /api/logs/stream
 * on the target's origin) are connected for its slices only.
 *
 * Usage: node --import tsx bench/lib/interleave.ts '{"targets":[{"url":..., "pid":123,
 *          "control":..., "viewers":50}, ...], "mockPid":456, "method":"POST", "headers":{...},
 *          "body":"...", "connections":32, "sliceMs":250, "slices":12}'
 * Prints one JSON line: an InterleavedResult per target, in the order given.
 */
import { appendFileSync } from 'node:fs';
import { Agent, request, type ClientRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { pct } from './clients.js';
import { cpuMs, rssMb } from './procfs.js';

export interface InterleaveTarget {
  url: string;
  pid: number;
  control?: string;
  viewers?: number;
}

export interface InterleaveSpec {
  targets: InterleaveTarget[];
  mockPid: number;
  method: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  sliceMs: number;
  slices: number;
  /** Each target alone, in turn, before measuring (not counted); default 500. */
  warmupMs?: number;
  /**
   * Load before each measured slice, once the target's mode is set, not counted: what a
   * switch costs (viewers connecting, the first requests of a mode) is paid once by a user,
   * but every slice here. Default 0.
   */
  settleMs?: number;
  /**
   * Append a line per slice to this file: the target's control URL (or URL), the slice's
   * start and end on CLOCK_MONOTONIC in ns, and the requests it served, so that a
   * `perf record -k CLOCK_MONOTONIC` of the run can be split by mode (bench/perf-by-mode.ts).
   */
  sliceLog?: string;
}

/** What is printed for each target. */
export interface InterleavedResult {
  url: string;
  ok: number;
  failed: number;
  ms: number;
  rps: number;
  p50: number;
  p99: number;
  /** The target process's CPU (all threads), its main thread's, the mock's and this process's, per request. */
  cpuMsPerReq: number | null;
  mainCpuMsPerReq: number | null;
  mockCpuMsPerReq: number | null;
  loadgenCpuMsPerReq: number | null;
  peakRssMb: number;
  /** Log entries each viewer was sent per second of the target's slices. */
  viewerEventsPerS?: number;
  /**
   * Req/s of each of its slices, one per cycle (a cycle gives every target one slice): the
   * slices of one cycle are at most a few seconds apart, so their ratios cancel the machine's
   * slower drift, which whole-run totals keep.
   */
  sliceRps: number[];
}

interface Tally {
  spec: InterleaveTarget;
  origin: URL;
  pool: Pool;
  path: string;
  ok: number;
  failed: number;
  ms: number;
  cpuMs: number;
  mainCpuMs: number;
  mockCpuMs: number;
  loadgenCpuMs: number;
  latencies: number[];
  peakRssMb: number;
  viewerEvents: number;
  sliceRps: number[];
}

const opts = JSON.parse(process.argv[2]) as InterleaveSpec;
const targets: Tally[] = opts.targets.map((spec) => {
  const origin = new URL(spec.url);
  return {
    spec,
    origin,
    pool: new Pool(origin.origin, { connections: opts.connections, pipelining: 1 }),
    path: origin.pathname + origin.search,
    ok: 0,
    failed: 0,
    ms: 0,
    cpuMs: 0,
    mainCpuMs: 0,
    mockCpuMs: 0,
    loadgenCpuMs: 0,
    latencies: [],
    peakRssMb: 0,
    viewerEvents: 0,
    sliceRps: [],
  };
});

function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** One request; its latency in ms, or -1 when it failed. */
async function one(t: Tally): Promise<number> {
  const t0 = performance.now();
  try {
    const res = await t.pool.request({ path: t.path, method: opts.method as 'POST', headers: opts.headers, body: opts.body });
    await res.body.dump({ limit: Infinity });
    return res.statusCode < 300 ? performance.now() - t0 : -1;
  } catch {
    return -1;
  }
}

/** `connections` requests at a time against `t` until `ms` have passed (the last ones finish). */
async function slice(t: Tally, ms: number, record: boolean): Promise<void> {
  const end = performance.now() + ms;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const took = await one(t);
      if (!record) continue;
      if (took < 0) t.failed++;
      else {
        t.ok++;
        t.latencies.push(took);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, worker));
}

const ENTRY_MARK = Buffer.from('event: entry');

/** `n` SSE log viewers on the target's daemon, counting the entries they are sent; the function that ends them. */
async function connectViewers(t: Tally, n: number): Promise<() => void> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const reqs = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ClientRequest>((resolve, reject) => {
          const req = request(
            { host: t.origin.hostname, port: t.origin.port, method: 'GET', path: '/api/logs/stream', agent, headers: { accept: 'text/event-stream' } },
            (res) => {
              if (res.statusCode !== 200) return reject(new Error(`log viewer got status ${res.statusCode}`));
              // Buffers, not strings: the viewers share the machine with the gateway, so they
              // count events as cheaply as they can (a browser would be on another machine)
              res.on('data', (c: Buffer) => {
                for (let at = c.indexOf(ENTRY_MARK); at !== -1; at = c.indexOf(ENTRY_MARK, at + ENTRY_MARK.length)) t.viewerEvents++;
              });
              res.on('error', () => {});
              resolve(req);
            },
          );
          req.on('error', reject);
          req.end();
        }),
    ),
  );
  return () => {
    for (const r of reqs) r.destroy();
    agent.destroy();
  };
}

for (const t of targets) await slice(t, opts.warmupMs ?? 500, false);

for (let round = 0; round < opts.slices; round++) {
  // the order rotates, so that no target always follows the same other one
  for (let i = 0; i < targets.length; i++) {
    const t = targets[(round + i) % targets.length];
    const { pid, control, viewers } = t.spec;
    if (control) {
      const res = await fetch(control, { method: 'POST' });
      if (!res.ok) throw new Error(`${control}: ${res.status} ${await res.text()}`);
    }
    const disconnect = viewers ? await connectViewers(t, viewers) : undefined;
    if (disconnect) await sleep(20);
    if (opts.settleMs) await slice(t, opts.settleMs, false);
    const cpu0 = cpuMs(pid);
    const main0 = cpuMs(pid, pid);
    const mock0 = cpuMs(opts.mockPid);
    const own0 = ownCpuMs();
    const t0 = performance.now();
    const ok0 = t.ok;
    const mono0 = process.hrtime.bigint();
    await slice(t, opts.sliceMs, true);
    // (a slice with viewers is named apart from its mode's: `…/on+viewers`)
    const label = `${t.spec.control ?? t.spec.url}${viewers ? '+viewers' : ''}`;
    if (opts.sliceLog) appendFileSync(opts.sliceLog, `${label} ${mono0} ${process.hrtime.bigint()} ${t.ok - ok0}\n`);
    const took = performance.now() - t0;
    t.ms += took;
    t.sliceRps.push(((t.ok - ok0) / took) * 1000);
    t.cpuMs += cpuMs(pid) - cpu0;
    t.mainCpuMs += cpuMs(pid, pid) - main0;
    t.mockCpuMs += cpuMs(opts.mockPid) - mock0;
    t.loadgenCpuMs += ownCpuMs() - own0;
    t.peakRssMb = Math.max(t.peakRssMb, rssMb(pid));
    disconnect?.();
  }
}

await Promise.all(targets.map((t) => t.pool.close()));
const results = targets.map((t): InterleavedResult => {
  const lat = t.latencies.sort((a, b) => a - b);
  const per = (x: number): number | null => (t.ok ? x / t.ok : null);
  return {
    url: t.spec.url,
    ok: t.ok,
    failed: t.failed,
    ms: Math.round(t.ms),
    rps: (t.ok / t.ms) * 1000,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    cpuMsPerReq: per(t.cpuMs),
    mainCpuMsPerReq: per(t.mainCpuMs),
    mockCpuMsPerReq: per(t.mockCpuMs),
    loadgenCpuMsPerReq: per(t.loadgenCpuMs),
    peakRssMb: t.peakRssMb,
    viewerEventsPerS: t.spec.viewers ? t.viewerEvents / t.spec.viewers / (t.ms / 1000) : undefined,
    sliceRps: t.sliceRps,
  };
});
process.stdout.write(JSON.stringify(results) + '\n');
