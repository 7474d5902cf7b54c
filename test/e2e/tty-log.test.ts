/**
 * Issue 5: stdout lines are JSON, or readable when stdout is a terminal. The real daemon runs
 * under `script` (util-linux), which gives it a pseudo-terminal, and serves one request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMockProvider } from '../mocks/server.js';
import { CHILD_DOWNSTREAM_KEY, childDaemonConfig } from '../helpers/daemon.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const hasScript = spawnSync('script', ['--version']).status === 0;

test(
  'in a terminal the daemon prints readable lines, request lines included',
  { skip: hasScript ? false : 'util-linux `script` is not installed' },
  async () => {
    const mock = await startMockProvider((r) => ({ model: String(r.body.model), text: 'Hi!', usage: { input: 5, output: 2 } }));
    const { port, config, cleanup } = await childDaemonConfig({ mockUrl: mock.url, model: 'gpt-tty' });
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'bin/tresor.js'))} run --config ${JSON.stringify(config)}`;
    // its own process group, so the daemon inside the terminal is stopped with it
    const child = spawn('script', ['-qefc', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const until = async (what: string, ok: () => boolean) => {
      for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(ok(), `${what}; output so far:\n${output}`);
    };
    try {
      await until('the daemon listens', () => output.includes('tresor listening'));
      const r = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-tty', messages: [{ role: 'user', content: 'Hello' }] }),
      });
      assert.equal(r.status, 200);
      await until('a request line', () => /request \/v1\/chat\/completions 200 gpt-tty → oa/.test(output));
      assert.match(output, /\d\d:\d\d:\d\d\.\d{3} INFO {2}tresor listening/);
      assert.match(output, /INFO {2}request \/v1\/chat\/completions 200 gpt-tty → oa .* ms {2}in=5 out=2 id=/);
      assert.doesNotMatch(output, /\{"level"/, 'no JSON lines in a terminal');
      assert.ok(!output.includes(CHILD_DOWNSTREAM_KEY), 'no downstream key in the output');
    } finally {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await mock.close();
      cleanup();
    }
  },
);
