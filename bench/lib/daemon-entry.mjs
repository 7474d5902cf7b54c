// Starts the daemon the way `tresor run` does, for the benchmark variants the CLI has no
// switch for:
//   --observe-off     the request observer replaced by a no-op: no request log, no stats, no
//                     metrics (the "off" side of issue 5's "within 5% of off" comparison)
//   --control=FILE    observability switchable while the daemon runs, for issue 5's comparison
//                     within one process: a control server on 127.0.0.1 (its port written to
//                     FILE) takes POST /observe/off | /observe/on | /observe/capture. "off" is
//                     the no-op observer; "capture" sets capture_payloads in the config file
//                     through the same ConfigManager.mutate the admin API uses
//   --from-src        the TypeScript sources through tsx instead of dist/ (run this file with
//                     `node --import tsx`), to show how far that is from production
// Usage: node [--import tsx] bench/lib/daemon-entry.mjs CONFIG [--observe-off] [--control=FILE] [--from-src]
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [configPath, ...flags] = process.argv.slice(2);
const fromSrc = flags.includes('--from-src');
const control = flags.find((f) => f.startsWith('--control='))?.slice('--control='.length);

if (flags.includes('--observe-off') || control) {
  // dist/: the same one-file build `bin/tresor.js` runs, so "off" differs from "on" only in the observer
  const { startDaemon } = await import(fromSrc ? '../../src/app/daemon.ts' : '../../dist/bundle/tresor.mjs');
  const daemon = await startDaemon({ configPath });
  const observer = daemon.ctx.observer;
  const noObserver = { finished() {} };
  if (!control) daemon.ctx.observer = noObserver;
  else {
    const modes = {
      off: { observer: noObserver, capture: false },
      on: { observer, capture: false },
      capture: { observer, capture: true },
    };
    const server = createServer((req, res) => {
      const mode = modes[/^\/observe\/(\w+)$/.exec(req.url ?? '')?.[1] ?? ''];
      if (req.method !== 'POST' || !mode) return res.writeHead(404).end();
      daemon.ctx.config
        .mutate((draft) => {
          draft.capture_payloads = mode.capture;
        })
        .then(() => {
          daemon.ctx.observer = mode.observer;
          res.writeHead(204).end();
        })
        .catch((e) => res.writeHead(500).end(String(e?.message ?? e)));
    });
    server.listen(0, '127.0.0.1', () => writeFileSync(control, String(server.address().port)));
    server.unref();
  }
  const stop = () => daemon.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} else {
  const { main } = await import(fromSrc ? '../../src/cli/main.ts' : '../../dist/cli/main.js');
  process.exitCode = await main(['run', '--config', configPath]);
}
