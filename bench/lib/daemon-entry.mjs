// Starts the daemon the way `tresor run` does, for the benchmark variants the CLI has no
// switch for:
//   --control=FILE    observability switchable while the daemon runs, for issue 5's comparison
//                     within one process: a control server on 127.0.0.1 (its port written to
//                     FILE) takes POST /observe/MODE:
//                       none     no request observer at all (no log, stats, metrics, health)
//                       off      request log, stdout request lines, stats and capture off:
//                                only Prometheus metrics and downstream health are recorded
//                       on       the default: all of it (the real observer)
//                       capture  on, with capture_payloads on. Both configs (capture on and
//                                off) are made once at start by ConfigManager.mutate, as the
//                                admin API makes them; a switch swaps the current one. Writing
//                                the file and rebuilding routes at each switch took ~8 ms of
//                                the event loop and left garbage behind: paid once by a user,
//                                but here by every quarter-second slice.
//   --from-src        the TypeScript sources through tsx instead of dist/ (run this file with
//                     `node --import tsx`), to show how far that is from production
// Usage: node [--import tsx] bench/lib/daemon-entry.mjs CONFIG [--control=FILE] [--from-src]
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [configPath, ...flags] = process.argv.slice(2);
const fromSrc = flags.includes('--from-src');
const control = flags.find((f) => f.startsWith('--control='))?.slice('--control='.length);

if (control) {
  // dist/: the same one-file build `bin/tresor.js` runs, so the modes differ only in the observer
  const { startDaemon } = await import(fromSrc ? '../../src/app/daemon.ts' : '../../dist/bundle/tresor.mjs');
  const daemon = await startDaemon({ configPath });
  const observer = daemon.ctx.observer;
  const { metrics, health } = daemon.ctx.services.observability;
  // what the real observer does for metrics and health (there once per event-loop turn)
  const metricsAndHealth = {
    started(entry) {
      metrics.streamStarted(entry.id);
    },
    finished(entry) {
      metrics.record(entry);
      health.record(entry);
    },
  };
  // the config as the admin API's write-back makes it with capture_payloads on, and off
  const cfg = daemon.ctx.config;
  const configWith = async (capture) => {
    await cfg.mutate((draft) => {
      draft.capture_payloads = capture;
    });
    return cfg.current;
  };
  const capturing = await configWith(true);
  const plain = await configWith(false);
  let current = plain;
  Object.defineProperty(cfg, 'current', { get: () => current });
  const modes = {
    none: { observer: { finished() {} }, capture: false },
    off: { observer: metricsAndHealth, capture: false },
    on: { observer, capture: false },
    capture: { observer, capture: true },
  };
  const server = createServer((req, res) => {
    const mode = modes[/^\/observe\/(\w+)$/.exec(req.url ?? '')?.[1] ?? ''];
    if (req.method !== 'POST' || !mode) return res.writeHead(404).end();
    current = mode.capture ? capturing : plain;
    daemon.ctx.observer = mode.observer;
    res.writeHead(204).end();
  });
  server.listen(0, '127.0.0.1', () => writeFileSync(control, String(server.address().port)));
  server.unref();
  const stop = () => daemon.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} else {
  const { main } = await import(fromSrc ? '../../src/cli/main.ts' : '../../dist/cli/main.js');
  process.exitCode = await main(['run', '--config', configPath]);
}
