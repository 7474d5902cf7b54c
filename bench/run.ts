/**
 * `npm run bench [-- --quick] [-- options]`: Tresor's load benchmark (issue 7, and issue 5's
 * observability overhead). Everything runs on 127.0.0.1 and every phase is bounded in time.
 *
 * It builds dist/ if the sources are newer, starts a mock provider, a bare 40-line node:http
 * proxy (the floor to compare with) and the daemon (compiled dist/, as in production) in three
 * variants — logging+stats on, capture_payloads on, observability off — each in its own
 * process, and drives them with autocannon from a separate process. Cases alternate within
 * each round; figures are medians over rounds. See the README (Performance) for what each figure
 * means and the latest results.
 *
 * Options:
 *   --quick            a short run (under 2 minutes once dist/ is built)
 *   --rounds=N         rounds of the main cases (default 3; quick 1)
 *   --duration=S       seconds per load run (default 5; quick 2)
 *   --only=TEXT        only the load cases whose id contains TEXT (comma-separated list)
 *   --runtime=src      run the daemon from src/ through tsx instead of dist/
 *   --profile          write a V8 CPU profile of each daemon variant to bench/results/profile-STAMP/VARIANT/
 *   --skip=PHASES      skip phases: load,observe,latency,slow,cold (comma-separated)
 *   --observe-rounds=N paired rounds of issue 5's comparison (default 12; quick 2)
 *   --observe-duration=S  seconds each variant is measured per round (default 3; quick 1.5)
 *   --observe-slice=MS     the variants take turns every MS ms (default 250)
 *   --observe-settle=MS    unmeasured load after each switch, before its slice (default 0)
 *   --node-flags=F,..  extra node flags for every daemon (e.g. --max-semi-space-size=4)
 *   --slice-log=FILE   issue 5's comparison appends each slice's mode and CLOCK_MONOTONIC times to FILE (bench/perf-by-mode.ts)
 *   --warmup=N         requests each load case gets before it is measured (default 10000; quick 2000)
 *   --no-build         do not rebuild dist/
 *   --render=FILE      print the tables of a saved result (bench/results/*.json) and exit
 *   --compare=DIR      also run the gateway cases against another built checkout of Tresor
 *                      (its bin/ and dist/), alternating with this one: an A/B of a change
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { concurrentStreams, interleaved, median, pct, timedRequest, type PairedSamples, type Timing } from './lib/clients.js';
import { benchModel, PROFILES, type Profile } from './lib/config.js';
import { daemonCommand, startDaemonProc, writeDaemonConfig, type DaemonProc, type ObserveMode, type Runtime, type Variant } from './lib/daemon.js';
import type { InterleavedResult, InterleaveSpec } from './lib/interleave.js';
import { cpuMs, ForeignLoad, peakRssMb, resetPeakRss, RssSampler } from './lib/procfs.js';
import { freePort, launch, sleep, stop, waitReady } from './lib/processes.js';
import { fmt, pctText, signed, table } from './lib/report.js';
import { evaluateTargets } from './lib/targets.js';
import { isFresh } from '../scripts/freshness.mjs';
import type { ColdResult, GwVariant, LoadResult, LoadSample, ProbeResult, Results, SlowResult, Via } from './lib/types.js';
import { clientRequest, REPLY_TEXT, SHORT, streamEndMarker, FIRST_TOKEN, type ClientRequest, type Wire } from './lib/wire.js';
import { Agent } from 'node:http';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------------------------------
// Options

interface Options {
  quick: boolean;
  rounds: number;
  observeRounds: number;
  observeDuration: number;
  observeSliceMs: number;
  observeSettleMs: number;
  duration: number;
  concurrencies: number[];
  only: string[];
  runtime: Runtime;
  profile: boolean;
  skip: Set<string>;
  build: boolean;
  probePairs: number;
  ttftPairs: number;
  probeWarmup: number;
  /** Requests each load case gets before it is measured. */
  warmupRequests: number;
  coldRuns: number;
  slowStreams: number;
  compare?: string;
  /** Extra node flags for every daemon (e.g. --max-semi-space-size=8), for experiments. */
  nodeFlags: string[];
  /** Where issue 5's comparison logs its slices (InterleaveSpec.sliceLog). */
  sliceLog?: string;
}

function parseOptions(argv: string[]): Options {
  const flag = (name: string) => argv.includes(`--${name}`);
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const quick = flag('quick');
  const num = (name: string, dflt: number, zeroOk = false) => {
    const v = value(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroOk)) throw new Error(`--${name} must be a positive number${zeroOk ? ' or 0' : ''}`);
    return n;
  };
  const runtime = value('runtime') ?? 'dist';
  if (runtime !== 'dist' && runtime !== 'src') throw new Error('--runtime must be dist or src');
  return {
    quick,
    rounds: num('rounds', quick ? 1 : 3),
    // many short rounds: a pair of runs seconds apart sees the same machine speed
    observeRounds: num('observe-rounds', quick ? 2 : 12),
    observeDuration: num('observe-duration', quick ? 1.5 : 3),
    observeSliceMs: num('observe-slice', 250),
    observeSettleMs: num('observe-settle', 0, true),
    duration: num('duration', quick ? 1.5 : 5),
    concurrencies: quick ? [32] : [1, 32],
    only: (value('only') ?? '').split(',').filter(Boolean),
    runtime,
    profile: flag('profile'),
    skip: new Set((value('skip') ?? '').split(',').filter(Boolean)),
    build: !flag('no-build'),
    probePairs: quick ? 150 : 2000,
    // a TTFT pair reads two whole 20-chunk streams spaced 1 ms apart (~45 ms)
    ttftPairs: quick ? 40 : 400,
    probeWarmup: quick ? 30 : 200,
    warmupRequests: num('warmup', quick ? 2000 : 10000),
    coldRuns: quick ? 3 : 7,
    slowStreams: num('streams', 1000),
    compare: value('compare'),
    nodeFlags: (value('node-flags') ?? '').split(/[ ,]+/).filter(Boolean),
    sliceLog: value('slice-log'),
  };
}

// ---------------------------------------------------------------------------------------
// Cases

interface LoadCase {
  id: string;
  label: string;
  via: Via;
  variant?: GwVariant;
  client: Wire;
  downstream: Wire;
  stream: boolean;
}

/** The translation directions issue 7 names as the main ones. */
const DIRECTIONS: [Wire, Wire][] = [
  ['openai', 'anthropic'],
  ['anthropic', 'openai'],
  ['openai', 'gemini'],
  ['openai_responses', 'openai'],
];

function caseId(via: Via, client: Wire, downstream: Wire, stream: boolean, variant?: GwVariant): string {
  const what = via === 'gateway' ? (client === downstream ? `passthrough:${SHORT[client]}` : `${SHORT[client]}2${SHORT[downstream]}`) : SHORT[client];
  return `${via}${variant && variant !== 'on' ? `-${variant}` : ''}:${what}:${stream ? 'stream' : 'json'}`;
}

function caseLabel(c: Omit<LoadCase, 'id' | 'label'>): string {
  const mode = c.stream ? 'stream 20 chunks' : 'JSON';
  if (c.via === 'mock') return `mock alone (${c.client}), ${mode}`;
  if (c.via === 'bare') return `bare node:http proxy, ${mode}`;
  const what = c.client === c.downstream ? `pass-through ${c.client}` : `${c.client} → ${c.downstream}`;
  const v = {
    on: '',
    none: ' [no observer]',
    off: ' [log, stats, capture off]',
    capture: ' [capture on]',
    viewers: ' [50 log viewers]',
    base: ' [--compare build]',
    switch: '',
  }[c.variant ?? 'on'];
  return `${what}, ${mode}${v}`;
}

function mkCase(via: Via, client: Wire, downstream: Wire, stream: boolean, variant?: GwVariant): LoadCase {
  const c = { via, client, downstream, stream, variant };
  return { ...c, id: caseId(via, client, downstream, stream, variant), label: caseLabel(c) };
}

function mainCases(compare = false): LoadCase[] {
  const out: LoadCase[] = [];
  const variants: GwVariant[] = compare ? ['on', 'base'] : ['on'];
  for (const stream of [false, true]) {
    out.push(mkCase('mock', 'openai', 'openai', stream));
    out.push(mkCase('bare', 'openai', 'openai', stream));
    for (const v of variants) out.push(mkCase('gateway', 'openai', 'openai', stream, v));
    for (const [c, d] of DIRECTIONS) for (const v of variants) out.push(mkCase('gateway', c, d, stream, v));
  }
  return out;
}

/** Issue 5: the same translated workload in each observability mode, and with 50 viewers. */
function observeCases(quick: boolean): LoadCase[] {
  const out: LoadCase[] = [];
  for (const stream of quick ? [false] : [false, true])
    for (const v of ['none', 'off', 'on', 'capture', 'viewers'] as GwVariant[]) out.push(mkCase('gateway', 'openai', 'anthropic', stream, v));
  return out;
}

// ---------------------------------------------------------------------------------------
// The processes under test

interface Env {
  tmp: string;
  mock: { port: number; pid: number };
  bare: { port: number; pid: number };
  daemons: Map<Variant, DaemonProc>;
  /** Stop a variant's daemon and start a fresh one in its place. */
  restart(variant: Variant): Promise<void>;
}

function switchDaemon(env: Env): DaemonProc {
  const d = env.daemons.get('switch');
  if (!d?.controlUrl) throw new Error('the switchable daemon is not running');
  return d;
}

/** Where to POST to set the switchable daemon's observability (see bench/lib/daemon-entry.mjs). */
function observeUrl(d: DaemonProc, mode: ObserveMode): string {
  return `${d.controlUrl}/observe/${mode}`;
}

/** The daemon a load-phase gateway case runs on (the observe phase has its own). */
function daemonVariant(c: LoadCase): Variant {
  return c.variant === 'base' ? 'base' : 'on';
}

/** What a request of this case looks like and where it goes. */
function requestFor(env: Env, c: LoadCase, profile: Profile = 'fast'): { port: number; pid: number; req: ClientRequest } {
  if (c.via === 'gateway') {
    const d = env.daemons.get(daemonVariant(c));
    if (!d) throw new Error(`daemon ${c.variant} not started`);
    return { port: d.port, pid: d.pid, req: clientRequest(c.client, benchModel(c.downstream, profile), c.stream) };
  }
  const r = clientRequest(c.client, 'mock-model', c.stream);
  const req = { ...r, path: PROFILES[profile] + r.path };
  return c.via === 'mock' ? { port: env.mock.port, pid: env.mock.pid, req } : { port: env.bare.port, pid: env.bare.pid, req };
}

// ---------------------------------------------------------------------------------------
// Load runs

interface LoadChild {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
  rps: number;
  latency: { p50: number; p99: number };
  loadgenCpuMs: number;
}

/** Run a bench/lib script (TypeScript through tsx) in its own process; the last line it prints. */
function runChild(script: string, arg: string, timeoutS: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = launch(process.execPath, [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), script, arg], { cwd: root });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const t = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), timeoutS * 1000);
    child.once('exit', (code) => {
      clearTimeout(t);
      if (code !== 0) return reject(new Error(`${script} exited ${code}: ${err.slice(-1000)}`));
      const last = out.trim().split('\n').pop();
      if (last) resolve(last);
      else reject(new Error(`${script} printed no result: ${err.slice(-500)}`));
    });
  });
}

async function runLoadChild(url: string, r: ClientRequest, connections: number, duration: number, amount?: number): Promise<LoadChild> {
  const spec = JSON.stringify({ url, method: 'POST', headers: r.headers, body: r.body, connections, duration, amount });
  const out = await runChild(join(root, 'bench/lib/load.mjs'), spec, duration + 30);
  try {
    return JSON.parse(out) as LoadChild;
  } catch {
    throw new Error(`the load generator printed no result: ${out.slice(-500)}`);
  }
}

async function runLoadCase(env: Env, c: LoadCase, connections: number, o: Options): Promise<LoadSample> {
  const { port, pid, req } = requestFor(env, c);
  const daemon = c.via === 'gateway' ? env.daemons.get(daemonVariant(c)) : undefined;
  daemon?.truncateLog();
  resetPeakRss(pid);
  const sampler = new RssSampler(pid, 100);
  const foreign = new ForeignLoad(ownPids(env));
  const cpu0 = cpuMs(pid);
  const mock0 = cpuMs(env.mock.pid);
  let res: LoadChild;
  try {
    res = await runLoadChild(`http://127.0.0.1:${port}${req.path}`, req, connections, o.duration);
  } finally {
    sampler.stop();
  }
  const cpu = cpuMs(pid) - cpu0;
  const mockCpu = cpuMs(env.mock.pid) - mock0;
  const peak = Math.max(peakRssMb(pid), sampler.stop());
  const n = Math.max(1, res.ok);
  const otherLoadPct = foreign.percent(cpus().length, res.loadgenCpuMs);
  return {
    rps: res.rps,
    p50: res.latency.p50,
    p99: res.latency.p99,
    ok: res.ok,
    failed: res.non2xx + res.errors + res.timeouts,
    cpuMsPerReq: c.via === 'mock' ? mockCpu / n : cpu / n,
    mockCpuMsPerReq: mockCpu / n,
    loadgenCpuMsPerReq: res.loadgenCpuMs / n,
    peakRssMb: peak,
    otherLoadPct,
  };
}

function ownPids(env: Env): number[] {
  return [env.mock.pid, env.bare.pid, ...[...env.daemons.values()].map((d) => d.pid)];
}

function medianSample(samples: LoadSample[]): LoadSample {
  const m = (f: (s: LoadSample) => number) => median(samples.map(f));
  const ev = samples.map((s) => s.viewerEventsPerS).filter((x): x is number => x !== undefined);
  return {
    rps: m((s) => s.rps),
    p50: m((s) => s.p50),
    p99: m((s) => s.p99),
    ok: m((s) => s.ok),
    failed: Math.max(...samples.map((s) => s.failed)),
    cpuMsPerReq: m((s) => s.cpuMsPerReq),
    mainCpuMsPerReq: samples.some((s) => s.mainCpuMsPerReq !== undefined) ? m((s) => s.mainCpuMsPerReq ?? NaN) : undefined,
    mockCpuMsPerReq: m((s) => s.mockCpuMsPerReq),
    loadgenCpuMsPerReq: m((s) => s.loadgenCpuMsPerReq),
    peakRssMb: Math.max(...samples.map((s) => s.peakRssMb)),
    viewerEventsPerS: ev.length ? median(ev) : undefined,
    otherLoadPct: m((s) => s.otherLoadPct),
  };
}

/** Each round runs every case once, starting at a different case, so order effects average out. */
/**
 * Warm-up, once per case, by request count rather than time: V8 optimises a function after
 * enough calls, and a daemon measured before that runs interpreted code (on a busy machine a
 * one-second warm-up left the less used daemons 3× slower than the one warmed by every case).
 */
async function warmUp(env: Env, cases: LoadCase[], o: Options): Promise<void> {
  for (const c of cases) {
    const { port, req } = requestFor(env, c);
    await warmUpAt(port, req, o).catch(() => undefined);
  }
}

function warmUpAt(port: number, req: ClientRequest, o: Options): Promise<LoadChild> {
  return runLoadChild(`http://127.0.0.1:${port}${req.path}`, req, 16, 30, o.warmupRequests);
}

function logSample(title: string, done: number, total: number, c: LoadCase, conn: number, s: LoadSample): void {
  log(
    `[${title} ${done}/${total}] ${c.label}, c=${conn}: ${fmt(s.rps)} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms, ` +
      `CPU ${fmt(s.cpuMsPerReq, 3)} ms/req, peak RSS ${fmt(s.peakRssMb, 0)} MB, others ${fmt(s.otherLoadPct, 0)}% of the machine${s.failed ? `, ${s.failed} FAILED` : ''}`,
  );
}

function loadResult(c: LoadCase, conn: number, ss: LoadSample[]): LoadResult {
  const quietest = ss.reduce((q, x) => (x.otherLoadPct < q.otherLoadPct ? x : q), ss[0]);
  return { ...c, connections: conn, samples: ss, median: medianSample(ss), quietest };
}

async function loadPhase(env: Env, cases: LoadCase[], concurrencies: number[], rounds: number, o: Options, title: string): Promise<LoadResult[]> {
  const runs = cases.flatMap((c) => concurrencies.map((conn) => ({ c, conn })));
  const samples = new Map<string, LoadSample[]>();
  await warmUp(env, cases, o);
  let done = 0;
  for (let r = 0; r < rounds; r++) {
    const shift = runs.length ? (r * Math.max(1, Math.floor(runs.length / rounds))) % runs.length : 0;
    const order = [...runs.slice(shift), ...runs.slice(0, shift)];
    for (const { c, conn } of order) {
      const s = await runLoadCase(env, c, conn, o);
      const key = `${c.id}@${conn}`;
      samples.set(key, [...(samples.get(key) ?? []), s]);
      logSample(title, ++done, runs.length * rounds, c, conn, s);
    }
  }
  return runs.map(({ c, conn }) => loadResult(c, conn, samples.get(`${c.id}@${conn}`) ?? []));
}

/**
 * Run the cases of one group (the same request in each observability mode, and with viewers)
 * on the switchable daemon, interleaved: each in turn for `--observe-slice` ms, round-robin,
 * its mode set before its slice, until each has had `--observe-duration` s
 * (bench/lib/interleave.ts).
 */
async function runInterleaved(env: Env, cases: LoadCase[], connections: number, o: Options): Promise<LoadSample[]> {
  const { observeDuration: durationS, observeSliceMs: sliceMs } = o;
  const req = clientRequest(cases[0].client, benchModel(cases[0].downstream), cases[0].stream);
  const d = switchDaemon(env);
  const targets = cases.map((c) => ({
    url: `http://127.0.0.1:${d.port}${req.path}`,
    pid: d.pid,
    control: observeUrl(d, c.variant === 'viewers' ? 'on' : (c.variant as ObserveMode)),
    viewers: c.variant === 'viewers' ? 50 : 0,
  }));
  for (const daemon of env.daemons.values()) daemon.truncateLog();
  const foreign = new ForeignLoad(ownPids(env));
  const cpu0 = process.cpuUsage();
  const spec: InterleaveSpec = {
    targets,
    mockPid: env.mock.pid,
    method: 'POST',
    headers: req.headers,
    body: req.body,
    connections,
    sliceMs,
    slices: Math.max(1, Math.round((durationS * 1000) / sliceMs)),
    sliceLog: o.sliceLog,
    settleMs: o.observeSettleMs,
  };
  const out = await runChild(
    join(root, 'bench/lib/interleave.ts'),
    JSON.stringify(spec),
    (durationS * cases.length * (sliceMs + o.observeSettleMs)) / sliceMs + 60,
  );
  const res = JSON.parse(out) as InterleavedResult[];
  const ownCpu = process.cpuUsage(cpu0);
  const loadgenMs = res.reduce((a, r) => a + (r.loadgenCpuMsPerReq ?? 0) * r.ok, 0) + (ownCpu.user + ownCpu.system) / 1000;
  const otherLoadPct = foreign.percent(cpus().length, loadgenMs);
  return res.map((r) => ({
    rps: r.rps,
    p50: r.p50,
    p99: r.p99,
    ok: r.ok,
    failed: r.failed,
    cpuMsPerReq: r.cpuMsPerReq ?? NaN,
    mainCpuMsPerReq: r.mainCpuMsPerReq ?? NaN,
    mockCpuMsPerReq: r.mockCpuMsPerReq ?? NaN,
    loadgenCpuMsPerReq: r.loadgenCpuMsPerReq ?? NaN,
    peakRssMb: r.peakRssMb,
    viewerEventsPerS: r.viewerEventsPerS,
    otherLoadPct,
    sliceRps: r.sliceRps,
  }));
}

/**
 * Issue 5's comparison, within one daemon process switched while it runs between the modes
 * of bench/lib/daemon-entry.mjs --control: none (no observer), off (log, stdout lines, stats
 * and capture off; metrics and health kept), on (the default config), capture
 * (capture_payloads set in its config file through the ConfigManager, as the admin API does),
 * and "on" with 50 SSE log viewers connected. They take turns in quarter-second slices
 * (runInterleaved); the ratios to "none", "off" and "on" are taken cycle by cycle (a slice
 * of each mode), and the result is their median over every cycle of every round.
 *
 * Why so: this VM's speed drifts by tens of percent within seconds (the same daemon served
 * 3,400 and 6,600 req/s in runs of 3 s a minute apart), so runs one after the other cannot
 * resolve 5 %; and two daemons of one build, measured interleaved, still differ by up to
 * ~15 % for as long as they live (layout, JIT decisions), which separate daemons per variant
 * would count as the observer's cost. One process against itself agreed within 2 % in four
 * rounds of five. Every round starts a fresh daemon, so over the rounds no one
 * process's luck decides the result.
 */
async function observePhase(env: Env, o: Options): Promise<LoadResult[]> {
  const cases = observeCases(o.quick).filter((c) => matchesOnly(c, o));
  const samples = new Map<string, LoadSample[]>();
  const groups = [false, true].map((stream) => cases.filter((c) => c.stream === stream)).filter((g) => g.length > 0);
  for (let r = 0; r < o.observeRounds; r++) {
    await env.restart('switch');
    // warmed up capturing, so that every code path the modes take is optimised
    const d = switchDaemon(env);
    const res = await fetch(observeUrl(d, 'capture'), { method: 'POST' });
    if (res.status !== 204) throw new Error(`switching observability to capture: ${res.status} ${await res.text()}`);
    for (const group of groups) await warmUpAt(d.port, clientRequest(group[0].client, benchModel(group[0].downstream), group[0].stream), o);
    for (const group of groups) {
      const ss = await runInterleaved(env, group, 32, o);
      group.forEach((c, i) => samples.set(c.id, [...(samples.get(c.id) ?? []), ss[i]]));
      log(
        `[observe ${r + 1}/${o.observeRounds}] ${group[0].stream ? 'stream' : 'JSON'}: ` +
          group
            .map(
              (c, i) =>
                `${c.variant} ${fmt(ss[i].rps)} req/s (${pctText(ss[i].rps / ss[0].rps)}), CPU ${fmt(ss[i].cpuMsPerReq, 3)} ms/req (event loop ${fmt(ss[i].mainCpuMsPerReq ?? NaN, 3)})`,
            )
            .join('; ') +
          (ss.some((s) => s.failed) ? ' — SOME FAILED' : ''),
      );
    }
  }
  return cases.map((c) => {
    const ss = samples.get(c.id) ?? [];
    const pairedRatio = (base: GwVariant): number | undefined => {
      const other = cases.find((x) => x.stream === c.stream && (x.variant ?? 'on') === base);
      const bs = other ? samples.get(other.id) : undefined;
      return bs && bs.length === ss.length ? median(cycleRatios(ss, bs)) : undefined;
    };
    return { ...loadResult(c, 32, ss), pairedVsNone: pairedRatio('none'), pairedVsOff: pairedRatio('off'), pairedVsOn: pairedRatio('on') };
  });
}

/**
 * The ratios of `ss`'s req/s to `bs`'s cycle by cycle (slices at most a few seconds apart),
 * over all rounds: the slower drift of the machine's speed cancels out in each, which a
 * round's totals keep (one noisy second in a round moves its ratio by percents; a median of
 * the per-cycle ratios, a hundred and more, shrugs it off).
 */
function cycleRatios(ss: LoadSample[], bs: LoadSample[]): number[] {
  return ss.flatMap((s, i) => {
    const a = s.sliceRps;
    const b = bs[i].sliceRps;
    if (!a || !b || a.length !== b.length) return [s.rps / bs[i].rps];
    return a.map((x, k) => x / b[k]);
  });
}

// ---------------------------------------------------------------------------------------
// Concurrency-1 latency and time to first token

function probeCheck(wire: Wire, stream: boolean) {
  return (t: Timing): string | undefined => {
    if (t.status !== 200) return `status ${t.status}: ${t.body.slice(0, 300)}`;
    if (stream && !t.body.includes(streamEndMarker(wire))) return `incomplete ${wire} stream: …${t.body.slice(-300)}`;
    if (!stream && !t.body.includes(REPLY_TEXT.slice(0, 20))) return `unexpected body: ${t.body.slice(0, 300)}`;
    return undefined;
  };
}

async function probePhase(env: Env, o: Options): Promise<ProbeResult[]> {
  const targets = mainCases(o.compare !== undefined).filter((c) => c.via !== 'mock' && !c.stream && matchesOnly(c, o));
  const out: ProbeResult[] = [];
  for (const kind of ['latency', 'ttft'] as const) {
    for (const base of targets) {
      const c = kind === 'ttft' ? mkCase(base.via, base.client, base.downstream, true, base.variant) : base;
      const profile: Profile = kind === 'ttft' ? 'ttft' : 'fast';
      const via = requestFor(env, c, profile);
      const direct = requestFor(env, mkCase('mock', c.downstream, c.downstream, c.stream), profile);
      const cpu0 = cpuMs(via.pid);
      const s: PairedSamples = await interleaved(
        { port: direct.port, req: direct.req },
        { port: via.port, req: via.req },
        kind === 'ttft' ? o.ttftPairs : o.probePairs,
        o.probeWarmup,
        kind === 'ttft' ? FIRST_TOKEN : undefined,
        { gateway: probeCheck(c.client, c.stream), direct: probeCheck(c.downstream, c.stream) },
      );
      const viaCpuMsPerReq = (cpuMs(via.pid) - cpu0) / (o.probeWarmup + (kind === 'ttft' ? o.ttftPairs : o.probePairs));
      const sd = [...s.direct].sort((a, b) => a - b);
      const sg = [...s.gateway].sort((a, b) => a - b);
      const diffs = s.gateway.map((g, i) => g - s.direct[i]);
      const r: ProbeResult = {
        id: `${kind}:${c.id}`,
        label:
          c.via === 'bare'
            ? 'bare node:http proxy'
            : (c.client === c.downstream ? `pass-through ${c.client}` : `${c.client} → ${c.downstream}`) + (c.variant === 'base' ? ' [--compare build]' : ''),
        kind,
        pairs: s.gateway.length,
        directP50: pct(sd, 50),
        viaP50: pct(sg, 50),
        addedP50: pct(sg, 50) - pct(sd, 50),
        directP99: pct(sd, 99),
        viaP99: pct(sg, 99),
        addedP99: pct(sg, 99) - pct(sd, 99),
        addedPairedMedian: median(diffs),
        serverTimingP50: s.serverTiming.length ? median(s.serverTiming) : undefined,
        viaCpuMsPerReq,
        failures: s.failures,
      };
      out.push(r);
      log(
        `[${kind}] ${r.label}: direct p50 ${fmt(r.directP50, 3)} ms, via p50 ${fmt(r.viaP50, 3)} ms, added ${signed(r.addedP50, 3)} ms` +
          `${r.serverTimingP50 !== undefined ? `, Server-Timing p50 ${fmt(r.serverTimingP50, 3)} ms` : ''}${r.failures.length ? `, FAILURES: ${r.failures[0]}` : ''}`,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// 1,000 concurrent slow streams

async function slowPhase(env: Env, o: Options): Promise<SlowResult[]> {
  const which: [Wire, Wire][] = o.quick
    ? [['openai', 'anthropic']]
    : [
        ['openai', 'anthropic'],
        ['openai', 'openai'],
      ];
  const out: SlowResult[] = [];
  const d = env.daemons.get('on') as DaemonProc;
  for (const [client, ds] of which) {
    const req = clientRequest(client, benchModel(ds, 'slow'), true);
    d.truncateLog();
    resetPeakRss(d.pid);
    const sampler = new RssSampler(d.pid, 50);
    const cpu0 = cpuMs(d.pid);
    // 20 chunks × 50 ms ≈ 1 s per stream; a pause of 10 chunk intervals counts as a stall.
    const r = await concurrentStreams(d.port, req, o.slowStreams, streamEndMarker(client), 500, 30_000);
    const rss = Math.max(sampler.stop(), peakRssMb(d.pid));
    const res: SlowResult = {
      label: client === ds ? `pass-through ${client}` : `${client} → ${ds}`,
      streams: r.streams,
      completed: r.completed,
      stalled: r.stalled,
      wallMs: r.wallMs,
      ttftP50: r.ttftMs.p50,
      ttftP99: r.ttftMs.p99,
      maxGapMs: r.maxGapMs,
      p99GapMs: r.p99GapMs,
      peakRssMb: rss,
      gatewayCpuMs: cpuMs(d.pid) - cpu0,
      connectP99: r.connectMs.p99,
      headersP99: r.headersMs.p99,
      failures: r.failures,
    };
    out.push(res);
    log(
      `[slow streams] ${res.label}: ${res.completed}/${res.streams} complete, ${res.stalled} stalled, wall ${fmt(res.wallMs, 0)} ms, ` +
        `connect p99 ${fmt(res.connectP99, 1)} ms, headers p99 ${fmt(res.headersP99, 1)} ms, first byte p99 ${fmt(res.ttftP99, 1)} ms, max gap ${fmt(res.maxGapMs, 1)} ms, peak RSS ${fmt(res.peakRssMb, 0)} MB${res.failures.length ? `, e.g. ${res.failures[0]}` : ''}`,
    );
    await sleep(500);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Cold start to first served request

async function coldStart(env: Env, runtime: Runtime, runs: number): Promise<ColdResult> {
  const runsMs: number[] = [];
  const cpuRuns: number[] = [];
  const failures: string[] = [];
  const req = clientRequest('openai', benchModel('openai'), false);
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const spec = { root, tmp: env.tmp, mockPort: env.mock.port, variant: 'on' as Variant, runtime, port, dbName: `cold-${runtime}.db` };
    const configPath = await writeDaemonConfig(spec, port);
    const agent = new Agent({ keepAlive: false });
    const t0 = performance.now();
    const child = launch(process.execPath, daemonCommand(spec, configPath), { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let served = NaN;
    let last = '';
    try {
      while (performance.now() - t0 < 15_000) {
        if (child.exitCode !== null) throw new Error(`daemon exited during cold start (${child.exitCode})`);
        const r = await timedRequest(agent, port, req, undefined, 2000).catch((e: Error) => {
          last = e.message;
          return undefined;
        });
        if (r && r.status !== 200) last = `status ${r.status}: ${r.body.slice(0, 200)}`;
        if (r?.status === 200) {
          served = performance.now() - t0;
          cpuRuns.push(cpuMs(child.pid as number));
          break;
        }
        await sleep(2);
      }
    } catch (e) {
      last = (e as Error).message;
    } finally {
      agent.destroy();
      await stop(child);
    }
    if (Number.isNaN(served)) {
      // one bad start must not lose the whole run: note it and go on
      failures.push(`run ${i + 1}: no request served within 15 s (${last}) ${stderr.slice(-300)}`.trim());
      log(`[cold start ${runtime}] run ${i + 1} FAILED: ${failures[failures.length - 1]}`);
      continue;
    }
    runsMs.push(served);
    log(`[cold start ${runtime}] run ${i + 1}: first request served after ${fmt(served, 0)} ms, ${fmt(cpuRuns[cpuRuns.length - 1], 0)} ms of CPU`);
  }
  return { runtime, runsMs, medianMs: median(runsMs), firstRunMs: runsMs[0], cpuMs: cpuRuns, medianCpuMs: median(cpuRuns), failures };
}

// ---------------------------------------------------------------------------------------
// Main

function log(s: string): void {
  process.stderr.write(s + '\n');
}

function matchesOnly(c: LoadCase, o: Options): boolean {
  return o.only.length === 0 || o.only.some((s) => c.id.includes(s));
}

function ensureBuilt(o: Options): void {
  if (o.runtime === 'src') return;
  // bin/tresor.js runs the one-file bundle that `npm run build:server` makes after tsc
  const entry = join(root, 'dist/bundle/tresor.mjs');
  if (!o.build && existsSync(entry)) return;
  if (isFresh(entry, [join(root, 'src')])) return;
  log('building dist/ (npm run build:server: tsc, then the bundle)…');
  const r = spawnSync('npm', ['run', 'build:server'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    // tsc still emits on type errors; a teammate's file in progress should not stop a benchmark
    log(`the build reported errors:\n${(r.stdout + r.stderr).split('\n').slice(0, 15).join('\n')}`);
    if (!existsSync(entry)) throw new Error('dist/ could not be built');
  }
}

/** A titled table followed by a blank line; nothing when there are no rows. */
function section(out: string[], title: string, headers: string[], rows: (string | number)[][]): void {
  if (rows.length === 0) return;
  out.push(title, table(headers, rows), '');
}

/** The table of a latency or TTFT probe phase. */
function probeTable(out: string[], title: string, probes: ProbeResult[], cpuLabel: string, timing: boolean): void {
  section(
    out,
    title,
    ['via', 'pairs', 'direct p50', 'via p50', 'added p50', 'added p99', 'paired median', ...(timing ? ['Server-Timing p50'] : []), cpuLabel],
    probes.map((p) => [
      p.label,
      p.pairs,
      fmt(p.directP50, 3),
      fmt(p.viaP50, 3),
      signed(p.addedP50, 3),
      signed(p.addedP99, 3),
      signed(p.addedPairedMedian, 3),
      ...(timing ? [p.serverTimingP50 === undefined ? '' : fmt(p.serverTimingP50, 3)] : []),
      fmt(p.viaCpuMsPerReq, 3),
    ]),
  );
}

function machine() {
  const c = cpus();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' }).trim();
    if (dirty) commit += '+dirty';
  } catch {
    /* not a git checkout */
  }
  return {
    cpuModel: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    commit,
  };
}

async function main(): Promise<void> {
  const saved = process.argv.find((a) => a.startsWith('--render='));
  if (saved) {
    // print the tables of an earlier run again
    const r = JSON.parse(readFileSync(saved.slice('--render='.length), 'utf8')) as Results;
    process.stdout.write(render(r) + '\n');
    return;
  }
  const o = parseOptions(process.argv.slice(2));
  const t0 = performance.now();
  ensureBuilt(o);
  const tmp = mkdtempSync(join(tmpdir(), 'tresor-bench-'));
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const profileDir = join(resultsDir, `profile-${stamp}`);
  const startVariant = (variant: Variant): Promise<DaemonProc> => {
    const nodeFlags = [...o.nodeFlags, ...(o.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, variant)}`] : [])];
    const tree = variant === 'base' ? o.compare : undefined;
    return startDaemonProc({ root, tmp, mockPort: env.mock.port, variant, runtime: variant === 'base' ? 'dist' : o.runtime, nodeFlags, tree });
  };
  const env: Env = {
    tmp,
    mock: { port: 0, pid: 0 },
    bare: { port: 0, pid: 0 },
    daemons: new Map(),
    async restart(variant) {
      await env.daemons.get(variant)?.stop();
      env.daemons.set(variant, await startVariant(variant));
    },
  };
  const results: Results = {
    meta: {
      date: new Date().toISOString(),
      loadavgAtStart: loadavg(),
      mode: o.quick ? 'quick' : 'full',
      runtime: o.runtime,
      machine: machine(),
      options: { ...o, skip: [...o.skip] },
    },
    load: [],
    observe: [],
    probes: [],
    slow: [],
    cold: [],
    errors: [],
  };
  try {
    const mock = launch(process.execPath, ['--import', 'tsx', join(root, 'bench/lib/mock-provider.ts'), '0'], { cwd: root });
    env.mock = { port: await waitReady(mock, 'mock provider'), pid: mock.pid as number };
    const bare = launch(process.execPath, [join(root, 'bench/lib/bare-proxy.mjs'), '0', String(env.mock.port)], { cwd: root });
    env.bare = { port: await waitReady(bare, 'bare proxy'), pid: bare.pid as number };
    const variants: Variant[] = o.skip.has('observe') ? ['on'] : ['on', 'switch'];
    if (o.compare) variants.push('base');
    for (const variant of variants) env.daemons.set(variant, await startVariant(variant));
    log(
      `mock :${env.mock.port}, bare proxy :${env.bare.port}, daemons ${[...env.daemons.values()].map((d) => `${d.variant} :${d.port}`).join(', ')} (${o.runtime})`,
    );

    const phases: Record<string, number> = {};
    results.meta.phaseS = phases;
    let mark = performance.now();
    const lap = (name: string) => {
      phases[name] = Math.round((performance.now() - mark) / 100) / 10;
      mark = performance.now();
    };
    lap('setup');
    // A phase that fails is reported and the others still run: a long run never ends empty.
    const phase = async (name: string, fn: () => Promise<void>): Promise<void> => {
      if (o.skip.has(name)) return;
      try {
        await fn();
      } catch (e) {
        results.errors.push({ phase: name, message: (e as Error).message });
        log(`[${name}] FAILED: ${(e as Error).stack ?? String(e)}`);
      }
      lap(name);
    };
    await phase('load', async () => {
      const cases = mainCases(o.compare !== undefined).filter((c) => matchesOnly(c, o));
      results.load = await loadPhase(env, cases, o.concurrencies, o.rounds, o, 'load');
    });
    await phase('observe', async () => {
      results.observe = await observePhase(env, o);
    });
    await phase('latency', async () => {
      results.probes = await probePhase(env, o);
    });
    await phase('slow', async () => {
      results.slow = await slowPhase(env, o);
    });
    for (const d of env.daemons.values()) await d.stop();
    if (o.profile) log(`CPU profile written to ${profileDir} (summarise: node --import tsx bench/profile-summary.ts ${profileDir})`);
    await phase('cold', async () => {
      results.cold.push(await coldStart(env, 'dist', o.coldRuns));
      results.cold.push(await coldStart(env, 'src', o.quick ? 1 : 3));
    });
  } finally {
    for (const d of env.daemons.values()) await d.stop();
    const { killAll } = await import('./lib/processes.js');
    killAll();
    rmSync(tmp, { recursive: true, force: true });
  }
  results.targets = evaluateTargets(results);
  results.meta.elapsedS = Math.round((performance.now() - t0) / 1000);
  results.meta.loadavgAtEnd = loadavg();
  const file = join(resultsDir, `${stamp}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  process.stdout.write(render(results) + `\nresults: ${file}\n`);
}

// ---------------------------------------------------------------------------------------
// Output

function render(r: Results): string {
  const out: string[] = [];
  const m = r.meta.machine;
  out.push(`Tresor benchmark — ${r.meta.mode} mode, daemon from ${r.meta.runtime}, ${r.meta.date}`);
  out.push(`${m.cores} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}, ${m.platform}, commit ${m.commit}; ${r.meta.elapsedS} s`);
  out.push(
    `phases (s): ${Object.entries(r.meta.phaseS ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  out.push(
    `load average at start ${r.meta.loadavgAtStart.map((x) => x.toFixed(2)).join(' ')}, at end ${(r.meta.loadavgAtEnd ?? []).map((x) => x.toFixed(2)).join(' ')}\n`,
  );
  section(
    out,
    'Load (autocannon, medians over rounds; CPU = the process under test per request, from /proc)',
    ['case', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/req', 'mock CPU', 'peak RSS MB', 'failed', 'others %', 'quietest: req/s', 'CPU', 'others %'],
    r.load.map((x) => [
      x.label,
      x.connections,
      x.median.rps,
      x.median.p50,
      x.median.p99,
      fmt(x.median.cpuMsPerReq, 3),
      fmt(x.median.mockCpuMsPerReq, 3),
      fmt(x.median.peakRssMb, 0),
      x.median.failed,
      fmt(x.median.otherLoadPct, 0),
      fmt(x.quietest.rps),
      fmt(x.quietest.cpuMsPerReq, 3),
      fmt(x.quietest.otherLoadPct, 0),
    ]),
  );
  const off = (stream: boolean) => r.observe.find((x) => x.variant === 'off' && x.stream === stream)?.median.rps ?? NaN;
  section(
    out,
    'Observability overhead (openai → anthropic, 32 connections; issue 5): one daemon switched between modes in quarter-second turns; req/s medians, and the medians of the per-cycle ratios',
    ['variant', 'req/s', 'vs none', 'vs off', 'vs on', 'CPU ms/req', 'event loop ms/req', 'peak RSS MB', 'entries/s per viewer', 'others %'],
    r.observe.map((x) => [
      x.label,
      x.median.rps,
      x.pairedVsNone === undefined ? '' : pctText(x.pairedVsNone),
      pctText(x.pairedVsOff ?? x.median.rps / off(x.stream)),
      x.pairedVsOn === undefined ? '' : pctText(x.pairedVsOn),
      fmt(x.median.cpuMsPerReq, 3),
      x.median.mainCpuMsPerReq === undefined ? '' : fmt(x.median.mainCpuMsPerReq, 3),
      fmt(x.median.peakRssMb, 0),
      x.median.viewerEventsPerS === undefined ? '' : fmt(x.median.viewerEventsPerS, 0),
      fmt(x.median.otherLoadPct, 0),
    ]),
  );
  probeTable(
    out,
    'Concurrency 1, non-streaming: added latency vs calling the mock directly (interleaved pairs)',
    r.probes.filter((p) => p.kind === 'latency'),
    'CPU ms/req',
    true,
  );
  probeTable(
    out,
    'Concurrency 1, streaming (first chunk 1 ms after the headers): time to first token',
    r.probes.filter((p) => p.kind === 'ttft'),
    'CPU ms/stream',
    false,
  );
  section(
    out,
    'Concurrent slow streams (20 chunks, one every 50 ms)',
    ['case', 'streams', 'completed', 'stalled', 'wall ms', 'first byte p99 ms', 'max gap ms', 'peak RSS MB', 'gateway CPU ms'],
    r.slow.map((s) => [
      s.label,
      s.streams,
      s.completed,
      s.stalled,
      fmt(s.wallMs, 0),
      fmt(s.ttftP99, 1),
      fmt(s.maxGapMs, 1),
      fmt(s.peakRssMb, 0),
      fmt(s.gatewayCpuMs, 0),
    ]),
  );
  section(
    out,
    'Cold start: process spawn to the first served gateway request',
    ['daemon from', 'runs', 'median ms', 'first run ms (new database)', 'all runs ms', 'CPU ms to first request (median)'],
    r.cold.map((c) => [
      c.runtime,
      c.runsMs.length,
      fmt(c.medianMs, 0),
      fmt(c.firstRunMs, 0),
      c.runsMs.map((x) => x.toFixed(0)).join(' '),
      fmt(c.medianCpuMs, 0),
    ]),
  );
  for (const e of r.errors ?? []) out.push(`phase ${e.phase} FAILED: ${e.message}\n`);
  for (const c of r.cold) for (const f of c.failures ?? []) out.push(`cold start (${c.runtime}) ${f}`);
  section(
    out,
    'Targets',
    ['figure', 'target', 'measured', 'met'],
    (r.targets ?? []).map((t) => [t.figure, t.target, t.measured, t.met === undefined ? 'n/a' : t.met ? 'yes' : 'NO']),
  );
  return out.join('\n').trimEnd();
}

main().catch((e) => {
  log(`bench failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
