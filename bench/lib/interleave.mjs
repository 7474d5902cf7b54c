// An interleaving load generator: the same request against several targets in turn, in
// short slices, round-robin, so that they are measured under the same machine conditions.
// On a shared VM the speed of the machine drifts by tens of percent within seconds: runs one
// after the other compare moments as much as servers, slices of a quarter second cancel the
// drift out (the same daemon measured as two targets agrees with itself within ~2 %).
//
// A target may bring `control`: a URL POSTed (expecting 2xx) before each of its slices, to
// switch the daemon's mode (bench/lib/daemon-entry.mjs --control), so that several modes of
// one process can be targets; and `viewers`: that many SSE log viewers (GET /api/logs/stream
// on the target's origin) are connected for its slices only.
//
// Usage: node bench/lib/interleave.mjs '{"targets":[{"url":..., "pid":123, "control":..., "viewers":50}, ...],
//          "mockPid":456, "method":"POST", "headers":{...}, "body":"...", "connections":32,
//          "sliceMs":250, "slices":12}'
// Prints one JSON line: per target, in the order given, {ok, failed, ms, rps, p50, p99,
// cpuMsPerReq, mainCpuMsPerReq, mockCpuMsPerReq, loadgenCpuMsPerReq, peakRssMb, viewerEventsPerS}.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

const opts = JSON.parse(process.argv[2]);
const targets = opts.targets.map((t) => {
  const url = new URL(t.url);
  return {
    ...t,
    origin: url,
    pool: new Pool(url.origin, { connections: opts.connections, pipelining: 1 }),
    path: url.pathname + url.search,
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
  };
});

/**
 * /proc/PID/stat fields 14 and 15 (user + system time of every thread), in ms; with `main`,
 * /proc/PID/task/PID/stat: the main thread's alone (the event loop). 0 without /proc.
 */
function cpuMsOf(pid, main = false) {
  if (!pid) return 0;
  try {
    const stat = readFileSync(main ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

function rssMbOf(pid) {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function ownCpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** One request; its latency in ms, or -1 when it failed. */
async function one(t) {
  const t0 = performance.now();
  try {
    const res = await t.pool.request({ path: t.path, method: opts.method ?? 'POST', headers: opts.headers, body: opts.body });
    await res.body.dump({ limit: Infinity });
    return res.statusCode < 300 ? performance.now() - t0 : -1;
  } catch {
    return -1;
  }
}

/** `connections` requests at a time against `t` until `ms` have passed (the last ones finish). */
async function slice(t, ms, record) {
  const end = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < end) {
      const ms = await one(t);
      if (!record) continue;
      if (ms < 0) t.failed++;
      else {
        t.ok++;
        t.latencies.push(ms);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, worker));
}

const ENTRY_MARK = Buffer.from('event: entry');

/** `n` SSE log viewers on the target's daemon; counts the entries they are sent. */
async function connectViewers(t, n) {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const reqs = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise((resolve, reject) => {
          const req = request(
            { host: t.origin.hostname, port: t.origin.port, method: 'GET', path: '/api/logs/stream', agent, headers: { accept: 'text/event-stream' } },
            (res) => {
              if (res.statusCode !== 200) return reject(new Error(`log viewer got status ${res.statusCode}`));
              // Buffers, not strings: the viewers share the machine with the gateway, so they
              // count events as cheaply as they can (a browser would be on another machine)
              res.on('data', (c) => {
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

// warm-up: each target alone, in turn, not counted
for (const t of targets) await slice(t, opts.warmupMs ?? 500, false);

for (let round = 0; round < opts.slices; round++) {
  // the order rotates, so that no target always follows the same other one
  for (let i = 0; i < targets.length; i++) {
    const t = targets[(round + i) % targets.length];
    if (t.control) {
      const res = await fetch(t.control, { method: 'POST' });
      if (!res.ok) throw new Error(`${t.control}: ${res.status} ${await res.text()}`);
    }
    const disconnect = t.viewers ? await connectViewers(t, t.viewers) : undefined;
    if (disconnect) await sleep(20);
    const cpu0 = cpuMsOf(t.pid);
    const main0 = cpuMsOf(t.pid, true);
    const mock0 = cpuMsOf(opts.mockPid);
    const own0 = ownCpuMs();
    const t0 = performance.now();
    await slice(t, opts.sliceMs, true);
    t.ms += performance.now() - t0;
    t.cpuMs += cpuMsOf(t.pid) - cpu0;
    t.mainCpuMs += cpuMsOf(t.pid, true) - main0;
    t.mockCpuMs += cpuMsOf(opts.mockPid) - mock0;
    t.loadgenCpuMs += ownCpuMs() - own0;
    t.peakRssMb = Math.max(t.peakRssMb, rssMbOf(t.pid));
    disconnect?.();
  }
}

await Promise.all(targets.map((t) => t.pool.close()));
const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
process.stdout.write(
  JSON.stringify(
    targets.map((t) => {
      const lat = t.latencies.sort((a, b) => a - b);
      const per = (x) => (t.ok ? x / t.ok : null);
      return {
        url: t.url,
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
        viewerEventsPerS: t.viewers ? t.viewerEvents / t.viewers / (t.ms / 1000) : undefined,
      };
    }),
  ) + '\n',
);
