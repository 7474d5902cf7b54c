/**
 * SIGTERM during traffic on a real daemon process (issue 8 §3): in-flight requests finish,
 * new ones are refused (503 or connection refused), the process exits 0; in-flight requests
 * that outlive shutdown_grace_ms end with an error event; a second signal exits at once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { completedStreamProblems, failedStreamProblems } from './client-shapes.js';
import { sleep, waitFor } from './fault-server.js';

const ENTRY = fileURLToPath(new URL('./run-daemon.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Child {
  proc: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  dir: string;
}

const children: Child[] = [];

/** `tresor run` in its own process; resolves once it logged its address. */
async function spawnDaemon(config: Record<string, unknown>): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-sigterm-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, YAML.stringify({ bind_addr: '127.0.0.1:0', db_path: join(dir, 'tresor.db'), log_level: 'info', ...config }), { mode: 0o600 });
  const proc = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'run', '--config', configPath], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  const child = { proc, url: '', exited, dir };
  children.push(child); // killed by the after hook even if it never gets ready
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`daemon did not start in 60 s\n${out}\n${err}`)), 60_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    void exited.then(({ code }) => reject(new Error(`daemon exited (${code}) before it was ready\n${out}\n${err}`)));
  });
  child.url = url;
  return child;
}

after(() => {
  for (const c of children) {
    if (c.proc.exitCode === null && c.proc.signalCode === null && c.proc.pid) process.kill(c.proc.pid, 'SIGKILL');
    rmSync(c.dir, { recursive: true, force: true });
  }
});

interface Streamed {
  status: number;
  text: string;
  /** Resolves when the first body bytes arrived. */
  firstBytes: Promise<void>;
  done: Promise<void>;
}

/** A streaming chat request whose progress can be watched. */
function streamChat(url: string, model: string): Streamed {
  const s: Partial<Streamed> & { status: number; text: string } = { status: 0, text: '' };
  let first!: () => void;
  s.firstBytes = new Promise((r) => (first = r));
  s.done = new Promise<void>((resolve) => {
    // a connection the daemon drops ends the stream too: the caller judges the text
    const reject = () => resolve();
    const req = request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      s.status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        s.text += d;
        first();
      });
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }));
  });
  return s as Streamed;
}

/** A new request during shutdown: its status, or the network error code when refused. */
async function newRequest(url: string): Promise<number | string> {
  try {
    const r = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await r.arrayBuffer();
    return r.status;
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    return cause?.code ?? 'network error';
  }
}

describe('SIGTERM on a real daemon process', () => {
  const WORDS = Array.from({ length: 12 }, (_, i) => `w${i}`).join(' ');
  const downstream = (mock: MockProvider) => [
    { id: 'ant', api_formats: ['anthropic'], base_url: mock.url, api_key: 'k-123456789', output_model_ids: ['claude'] },
  ];
  // each case gets its own provider pace and daemon; the daemons start together (tsx start-up dominates)
  let mocks: MockProvider[] = [];
  let daemons: Child[] = [];
  before(async () => {
    mocks = await Promise.all(
      [60, 400, 1000].map((delay) => startMockProvider((r) => ({ model: String(r.body.model), text: WORDS }), { chunkDelayMs: delay })),
    );
    daemons = await Promise.all([
      spawnDaemon({ downstreams: downstream(mocks[0]) }),
      spawnDaemon({ shutdown_grace_ms: 300, downstreams: downstream(mocks[1]) }),
      spawnDaemon({ downstreams: downstream(mocks[2]) }),
    ]);
  });
  after(() => Promise.all(mocks.map((m) => m.close())));

  test('in-flight streams finish, new requests are refused, exit code 0', async () => {
    const d = daemons[0];
    const inflight = [streamChat(d.url, 'claude'), streamChat(d.url, 'claude'), streamChat(d.url, 'claude')];
    await Promise.all(inflight.map((s) => s.firstBytes));
    const signalledAt = performance.now();
    d.proc.kill('SIGTERM');
    await sleep(50);
    const refused = await newRequest(d.url);
    assert.ok(refused === 503 || refused === 'ECONNREFUSED' || refused === 'ECONNRESET', `a new request during shutdown got ${refused}`);
    await Promise.all(inflight.map((s) => s.done));
    for (const s of inflight) {
      assert.equal(s.status, 200);
      assert.deepEqual(completedStreamProblems('openai', s.text), [], s.text.slice(-200));
      assert.ok(s.text.includes('w11'), 'the whole answer arrived');
    }
    const { code, at } = await d.exited;
    assert.equal(code, 0);
    assert.ok(at - signalledAt < 5000, `exit took ${(at - signalledAt).toFixed(0)} ms`);
  });

  test('a stream that outlives shutdown_grace_ms ends with an error event; exit code 0', async () => {
    const d = daemons[1];
    const s = streamChat(d.url, 'claude');
    await s.firstBytes;
    const signalledAt = performance.now();
    d.proc.kill('SIGTERM');
    await s.done;
    assert.equal(s.status, 200);
    assert.deepEqual(failedStreamProblems('openai', s.text), [], s.text.slice(-300));
    assert.match(s.text, /shutting down/);
    const { code, at } = await d.exited;
    assert.equal(code, 0);
    // 300 ms grace + up to 1 s for the aborted request's error event + tsx's slower exit
    assert.ok(at - signalledAt < 4000, `exit took ${(at - signalledAt).toFixed(0)} ms with a 300 ms grace`);
    assert.ok(await waitFor(() => mocks[1].aborted === 1, 1000), 'the downstream request was aborted');
  });

  test('a second signal exits at once, without waiting for in-flight requests', async () => {
    const d = daemons[2];
    const s = streamChat(d.url, 'claude');
    await s.firstBytes;
    d.proc.kill('SIGTERM');
    await sleep(150);
    assert.equal(d.proc.exitCode, null, 'still draining after the first signal');
    const second = performance.now();
    d.proc.kill('SIGTERM');
    const { code, at } = await d.exited;
    // at once: the in-flight stream would take 12 s and the grace is 30 s (tsx adds ~0.5 s to exit)
    assert.ok(at - second < 2500, `exit took ${(at - second).toFixed(0)} ms after the second signal`);
    assert.notEqual(code, null);
    await s.done;
  });
});
