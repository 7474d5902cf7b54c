// temporary: 1000 slow streams against the daemon of two trees (pool cap 256 vs none)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, waitReady, killAll } from './lib/processes.js';
import { startDaemonProc } from './lib/daemon.js';
import { concurrentStreams } from './lib/clients.js';
import { clientRequest, streamEndMarker } from './lib/wire.js';
import { benchModel } from './lib/config.js';
const root = '/work/main';
const tmp = mkdtempSync(join(tmpdir(), 'poolexp-'));
const mock = launch(process.execPath, ['--import', 'tsx', join(root, 'bench/lib/mock-provider.ts'), '0']);
const mockPort = await waitReady(mock, 'mock');
for (const tree of process.argv.slice(2)) {
  const d = await startDaemonProc({ root, tmp, mockPort, variant: 'on', runtime: 'dist', tree });
  for (const client of ['openai'] as const) {
    const req = clientRequest(client, benchModel('openai', 'slow'), true);
    const r = await concurrentStreams(d.port, req, 1000, streamEndMarker(client), 500, 60_000);
    console.log(tree, `complete ${r.completed}/1000 wall ${r.wallMs.toFixed(0)} ms connect p99 ${r.connectMs.p99.toFixed(0)} headers p50 ${r.headersMs.p50.toFixed(0)} p99 ${r.headersMs.p99.toFixed(0)} max ${r.headersMs.max.toFixed(0)} ms`);
  }
  await d.stop();
}
killAll();
