import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, waitReady, killAll } from '../lib/processes.js';
import { startDaemonProc } from '../lib/daemon.js';
import { rssMb } from '../lib/procfs.js';
import { clientRequest } from '../lib/wire.js';
import { benchModel } from '../lib/config.js';
const root = '/work/main';
const variant = (process.argv[2] ?? 'on') as 'on' | 'off';
const tmp = mkdtempSync(join(tmpdir(), 'memprobe-'));
const mock = launch(process.execPath, ['--import', 'tsx', join(root, 'bench/lib/mock-provider.ts'), '0']);
const mockPort = await waitReady(mock, 'mock');
const d = await startDaemonProc({ root, tmp, mockPort, variant, runtime: 'dist' });
const r = clientRequest('openai', benchModel('anthropic'), false);
const load = launch(process.execPath, [join(root, 'bench/lib/load.mjs'), JSON.stringify({ url: `http://127.0.0.1:${d.port}${r.path}`, headers: r.headers, body: r.body, connections: 32, duration: 12 })]);
let out = '';
load.stdout?.on('data', (x) => (out += x));
const t = setInterval(async () => {
  const m = await fetch(`http://127.0.0.1:${d.port}/metrics`).then((x) => x.text()).catch(() => '');
  const pick = (re: RegExp) => Number((re.exec(m) ?? [])[1] ?? NaN) / 1048576;
  console.log(
    `rss ${rssMb(d.pid).toFixed(0)} heapTotal ${pick(/tresor_nodejs_heap_size_total_bytes (\S+)/).toFixed(0)} heapUsed ${pick(/tresor_nodejs_heap_size_used_bytes (\S+)/).toFixed(0)} external ${pick(/tresor_nodejs_external_memory_bytes (\S+)/).toFixed(0)} new ${pick(/heap_space_size_total_bytes\{space="new"\} (\S+)/).toFixed(0)} old ${pick(/heap_space_size_total_bytes\{space="old"\} (\S+)/).toFixed(0)} code ${pick(/heap_space_size_total_bytes\{space="code"\} (\S+)/).toFixed(0)}`,
  );
}, 1000);
await new Promise((res) => load.once('exit', res));
clearInterval(t);
console.log(out.slice(0, 200));
await d.stop();
killAll();
