/**
 * What each observability mode costs the daemon's garbage collector, per request (issue 5):
 *
 *   node --import tsx bench/gc-by-mode.ts [--modes=off,on,off,on,capture,viewers,off] [--seconds=4] [--stream]
 *
 * One daemon of the dist/ build (`npm run build:server` first), switched between modes as in
 * the benchmark's comparison (bench/lib/daemon-entry.mjs --control), runs with
 * `--trace-gc-nvp`; each mode in turn is driven alone by the load generator (openai →
 * anthropic, 32 connections) for a second unmeasured, then for `--seconds`; `viewers` is
 * "on" with 50 SSE log viewers connected (GET /api/logs/stream, read and discarded). Printed per mode,
 * for the daemon's main isolate only (the write thread is an isolate of its own, its
 * scavenges counted apart): scavenges per 1,000 requests (how much is allocated), their pause
 * per request, KB a request that survived a scavenge and that was promoted to the old
 * generation (what stays alive a while), and full collections.
 *
 * Why: the CPU a mode adds shows up mostly as collector work, spread over V8's helper threads
 * and other code's time; these counts say whether a change allocates or keeps less, which a
 * throughput run on a noisy machine cannot resolve.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchModel } from './lib/config.js';
import { startDaemonProc } from './lib/daemon.js';
import { launch, stop, waitReady } from './lib/processes.js';
import { clientRequest } from './lib/wire.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const opt = (name: string): string | undefined =>
  process.argv
    .slice(2)
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3);
const modes = (opt('modes') ?? 'off,on,off,on,capture,viewers,off').split(',');
const seconds = Number(opt('seconds') ?? 4);
const stream = process.argv.includes('--stream');

const tmp = mkdtempSync(join(tmpdir(), 'tresor-gc-by-mode-'));
const mock = launch(process.execPath, ['--import', 'tsx', join(root, 'bench/lib/mock-provider.ts'), '0'], { cwd: root });
try {
  const mockPort = await waitReady(mock, 'mock provider');
  const daemon = await startDaemonProc({ root, tmp, mockPort, variant: 'switch', runtime: 'dist', nodeFlags: ['--trace-gc-nvp'] });
  try {
    const r = clientRequest('openai', benchModel('anthropic'), stream);
    const load = (duration: number): { ok: number } =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            join(root, 'bench/lib/load.mjs'),
            JSON.stringify({ url: `http://127.0.0.1:${daemon.port}${r.path}`, headers: r.headers, body: r.body, connections: 32, duration }),
          ],
          { encoding: 'utf8' },
        ),
      ) as { ok: number };
    let mainIsolate: string | undefined;
    for (const mode of modes) {
      await post(`${daemon.controlUrl}/observe/${mode === 'viewers' ? 'on' : mode}`);
      const viewers = mode === 'viewers' ? await connectViewers(daemon.port, 50) : [];
      load(1);
      truncateSync(daemon.logFile, 0);
      const n = load(seconds).ok;
      const lines = readFileSync(daemon.logFile, 'utf8').split('\n');
      mainIsolate ??= isolateOf(lines.find((l) => l.includes('gc=')) ?? '');
      const scavenges = lines.filter((l) => l.includes('gc=s '));
      const main = scavenges.filter((l) => isolateOf(l) === mainIsolate);
      const full = lines.filter((l) => /gc=(mc|mmc|ms) /.test(l) && isolateOf(l) === mainIsolate);
      const perK = (x: number) => ((x / n) * 1000).toFixed(2);
      const kb = (x: number) => (x / n / 1024).toFixed(2);
      process.stdout.write(
        `${mode.padEnd(8)} ${String(n).padStart(6)} requests  scavenges/1k ${perK(main.length)}  pause ms/1k ${perK(sum(main, 'pause'))}  ` +
          `survived KB/req ${kb(sum(main, 'new_space_survived'))}  promoted KB/req ${kb(sum(main, 'promoted'))}  full GCs ${full.length}  ` +
          `write thread scavenges/1k ${perK(scavenges.length - main.length)}\n`,
      );
      for (const v of viewers) v.destroy();
    }
  } finally {
    await daemon.stop();
  }
} finally {
  await stop(mock);
  rmSync(tmp, { recursive: true, force: true });
}

/** The isolate a --trace-gc-nvp line is of: `[pid:0xADDRESS]`. */
function isolateOf(line: string): string | undefined {
  return /\[\d+:(0x[0-9a-f]+)\]/.exec(line)?.[1];
}

function sum(lines: string[], field: string): number {
  const re = new RegExp(`\\b${field}=([\\d.]+)`);
  return lines.reduce((a, l) => a + Number(re.exec(l)?.[1] ?? 0), 0);
}

/** `n` SSE log viewers reading and discarding what they are sent. */
function connectViewers(port: number, n: number): Promise<ClientRequest[]> {
  const one = (): Promise<ClientRequest> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/logs/stream', agent: false }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`log viewer got status ${res.statusCode}`));
        res.resume();
        res.on('error', () => {});
        resolve(req);
      });
      req.on('error', reject);
      req.end();
    });
  return Promise.all(Array.from({ length: n }, one));
}

function post(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 204 ? resolve() : reject(new Error(`${url}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}
