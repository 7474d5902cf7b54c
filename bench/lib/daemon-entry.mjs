// Starts the daemon the way `tresor run` does, for the two benchmark variants the CLI has no
// switch for:
//   --observe-off  the request observer replaced by a no-op: no request log, no stats, no
//                  metrics (the "off" side of issue 5's "within 5% of off" comparison)
//   --from-src     the TypeScript sources through tsx instead of dist/ (run this file with
//                  `node --import tsx`), to show how far that is from production
// Usage: node [--import tsx] bench/lib/daemon-entry.mjs CONFIG [--observe-off] [--from-src]
const [configPath, ...flags] = process.argv.slice(2);
const fromSrc = flags.includes('--from-src');

if (flags.includes('--observe-off')) {
  // dist/: the same one-file build `bin/tresor.js` runs, so "off" differs from "on" only in the observer
  const { startDaemon } = await import(fromSrc ? '../../src/app/daemon.ts' : '../../dist/bundle/tresor.mjs');
  const daemon = await startDaemon({ configPath });
  daemon.ctx.observer = { finished() {} };
  const stop = () => daemon.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} else {
  const { main } = await import(fromSrc ? '../../src/cli/main.ts' : '../../dist/cli/main.js');
  process.exitCode = await main(['run', '--config', configPath]);
}
