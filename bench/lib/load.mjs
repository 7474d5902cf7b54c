// The load generator, in its own process so it never shares an event loop with what it
// measures: autocannon's programmatic API, one run, the summary printed as one JSON line.
// Usage: node bench/lib/load.mjs '{"url":..., "method":"POST", "headers":{...}, "body":"...",
//                                  "connections":32, "duration":5 | "amount":3000}'
import autocannon from 'autocannon';

const opts = JSON.parse(process.argv[2]);
const cpu0 = process.cpuUsage();
const result = await autocannon({
  url: opts.url,
  method: opts.method ?? 'POST',
  headers: opts.headers,
  body: opts.body,
  connections: opts.connections,
  // a request count (warm-up) instead of a duration, when given
  ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration }),
  pipelining: 1,
  timeout: 10,
});
const cpu = process.cpuUsage(cpu0);
const ok = result['2xx'];
process.stdout.write(
  JSON.stringify({
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationS: result.duration,
    rps: ok / result.duration,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
    bytes: result.throughput.total,
    loadgenCpuMs: (cpu.user + cpu.system) / 1000,
  }) + '\n',
);
