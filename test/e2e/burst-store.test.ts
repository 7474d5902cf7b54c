/**
 * Issue 5 under load, in the production build: a burst of requests to the real daemon
 * (bin/tresor.js, the one-file build) makes the observer hand its batches to the SQLite write
 * thread (dist/bundle/write-worker.js); every request must reach the log and the statistics,
 * and a restart must find them in the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'node:http';
import { startMockProvider } from '../mocks/server.js';
import { childDaemonConfig } from '../helpers/daemon.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BURST = 600;

function startDaemon(config: string): { stop(): Promise<void>; output(): string } {
  const child = spawn(process.execPath, [join(ROOT, 'bin/tresor.js'), 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return {
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function getJson(url: string): Promise<unknown> {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(url);
      if (r.ok) return r.json();
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no answer from ${url}`);
}

function post(agent: Agent, port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

test(`a burst of ${BURST} requests reaches the log and the stats through the write thread, and survives a restart`, async () => {
  const mock = await startMockProvider((r) => ({ model: String(r.body.model), text: 'Hi!', usage: { input: 5, output: 2 } }));
  const { port, config, cleanup } = await childDaemonConfig({ mockUrl: mock.url, model: 'gpt-burst', yaml: 'log_level: debug\n' });
  let daemon = startDaemon(config);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  try {
    await getJson(`http://127.0.0.1:${port}/api/health`);
    const body = JSON.stringify({ model: 'gpt-burst', messages: [{ role: 'user', content: 'Hello' }] });
    const statuses = await Promise.all(Array.from({ length: BURST }, () => post(agent, port, body)));
    assert.deepEqual([...new Set(statuses)], [200]);
    const stats = (await getJson(`http://127.0.0.1:${port}/api/stats?group_by=model`)) as { rows: { key: string; requests: number; input_tokens: number }[] };
    assert.deepEqual(
      stats.rows.map((r) => [r.key, r.requests, r.input_tokens]),
      [['gpt-burst', BURST, BURST * 5]],
    );
    await daemon.stop();
    assert.match(daemon.output(), /written to SQLite by a worker thread/, 'the burst moved the writes to the thread');
    assert.doesNotMatch(daemon.output(), /cannot (start|write)|write thread stopped/);

    daemon = startDaemon(config);
    await getJson(`http://127.0.0.1:${port}/api/health`);
    let seen = 0;
    let before: number | null | undefined;
    for (let i = 0; i < 20; i++) {
      const page = (await getJson(`http://127.0.0.1:${port}/api/logs?limit=200${before ? `&before=${before}` : ''}`)) as {
        entries: unknown[];
        next_before: number | null;
      };
      seen += page.entries.length;
      before = page.next_before;
      if (before === null) break;
    }
    assert.equal(seen, BURST, 'the restarted daemon pages through every entry');
  } finally {
    agent.destroy();
    await daemon.stop();
    await mock.close();
    cleanup();
  }
});
