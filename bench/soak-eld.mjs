// Preloaded into the soak's daemon (node --import ./bench/soak-eld.mjs): measures event-loop
// delay with perf_hooks and appends one JSON line every 2 s to $TRESOR_SOAK_ELD_FILE:
//   {t, p50, p99, max}            this interval's delay percentiles, in ms (beyond the sampling interval)
//   {..., since: {p50, p99, max}} the same since the last mark
// SIGUSR2 sets the mark (the soak sends it when warm-up ends), so `since` covers the run after it.
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.TRESOR_SOAK_ELD_FILE;
if (file) {
  const interval = monitorEventLoopDelay({ resolution: 10 });
  const since = monitorEventLoopDelay({ resolution: 10 });
  interval.enable();
  since.enable();
  // The histogram's values include the 10 ms sampling interval itself (an idle loop reads
  // ~10 ms): the delay is what exceeds it.
  const RESOLUTION_NS = 10e6;
  const ms = (ns) => Math.round(Math.max(0, ns - RESOLUTION_NS) / 1e4) / 100;
  const stats = (h) => ({ p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), samples: h.count });
  const write = () => {
    appendFileSync(file, JSON.stringify({ t: Date.now(), ...stats(interval), since: stats(since) }) + '\n');
    interval.reset();
  };
  setInterval(write, 2000).unref();
  process.on('SIGUSR2', () => {
    write();
    since.reset();
    appendFileSync(file, JSON.stringify({ t: Date.now(), mark: true }) + '\n');
  });
  process.on('exit', write);
}
