import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../src/config/load.js';
import { RICH_CONFIG, RICH_ENV } from '../config/rich-config.js';

const CHILD = fileURLToPath(new URL('./fixtures/daemon-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const env = { ...process.env, ...RICH_ENV };

function startChild(configPath: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, configPath], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve({ child, url: (JSON.parse(out.slice(0, nl)) as { url: string }).url });
    });
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
}

/** Fire writes 8 at a time until killed; `acked` collects the model ids whose write was acknowledged. */
async function burst(url: string, round: number, stop: { killed: boolean }, acked: string[]): Promise<void> {
  let n = 0;
  const worker = async () => {
    while (!stop.killed && n < 400) {
      const id = `r${round}-m${n++}`;
      try {
        const r = await fetch(`${url}/api/downstreams/openai/models`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model_id: id }),
        });
        if (r.status === 201) acked.push(id);
        await r.arrayBuffer();
      } catch {
        return; // the daemon is gone
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

test('kill -9 during a burst of writes leaves a valid file holding every acknowledged write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-crash-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, RICH_CONFIG.replace("db_path: ':memory:'", `db_path: ${join(dir, 'tresor.db')}`));
  try {
    for (let round = 0; round < 3; round++) {
      const { child, url } = await startChild(configPath);
      const stop = { killed: false };
      const acked: string[] = [];
      const writes = burst(url, round, stop, acked);
      // Kill at a different point each round, with 8 writes in flight.
      const target = 2 + round * 7;
      while (acked.length < target) {
        if (child.exitCode !== null) throw new Error('the daemon died on its own');
        await new Promise((r) => setTimeout(r, 2));
      }
      child.kill('SIGKILL');
      stop.killed = true;
      await new Promise((r) => child.once('exit', r));
      await writes;

      const text = readFileSync(configPath, 'utf8');
      const loaded = loadConfigFile(configPath, env); // throws if torn or invalid
      const models = loaded.config.downstreams[0].output_model_ids;
      for (const id of acked) assert.ok(models.includes(id), `round ${round}: acknowledged ${id} is in the file`);
      assert.ok(text.startsWith('# Tresor — hand-written config.\n# Comments everywhere must survive.\n'), 'comments intact');
      assert.ok(text.endsWith('# trailing comment\n'));
    }
    // Temp files of killed writes may remain beside the config; the config itself is whole.
    assert.ok(readdirSync(dir).includes('config.yaml'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
