import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCliDaemon, tresor } from './helpers.js';
import { freePort } from '../helpers/daemon.js';

const BIN = fileURLToPath(new URL('./fixtures/tresor.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function runBinary(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the binary: no daemon running → exit 1 with a clear message; usage error → exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-nodaemon-'));
  try {
    const port = await freePort();
    const configPath = join(dir, 'config.yaml');
    writeFileSync(configPath, `bind_addr: "127.0.0.1:${port}"\n`);
    const none = await runBinary(['alias', 'list', '--config', configPath], { HOME: dir });
    assert.equal(none.code, 1);
    assert.equal(none.stderr, `tresor: no tresor daemon is running at http://127.0.0.1:${port} (start one with "tresor run")\n`);
    const usage = await runBinary(['--config', configPath, 'alias', 'activate'], { HOME: dir });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^tresor: missing ID\nUsage: tresor alias/);
    const unknown = await runBinary(['--config', configPath, 'teleport'], { HOME: dir });
    assert.equal(unknown.code, 2);
    const version = await runBinary(['--config', configPath, 'version'], { HOME: dir });
    assert.equal(version.code, 0, 'version works without a daemon');
    assert.match(version.stdout, /^tresor .* \(cli\)\ndaemon: no tresor daemon is running/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the binary finds the daemon at the config's bind_addr and uses its admin_password, or TRESOR_ADMIN_PASSWORD", async () => {
  const port = await freePort();
  const d = await startCliDaemon(`bind_addr: "127.0.0.1:${port}"
db_path: DIR/tresor.db
log_level: error
admin_password: cli-password-123
downstreams:
  - {id: a, api_formats: [openai], base_url: "https://a.example/v1"}
  - {id: b, api_formats: [anthropic], base_url: "https://b.example"}
aliases:
  - input_model_id: m
    options:
      - {id: m-a, downstream_id: a, output_model_id: x, is_active: true}
      - {id: m-b, downstream_id: b, output_model_id: y}
`);
  try {
    const env = { HOME: d.dir };
    const ok = await runBinary(['alias', 'activate', 'm-b', '--config', d.configPath], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'm -> b / y: option m-b active (was m-a)\n');
    assert.equal(d.daemon.ctx.config.current.aliases[0].options[1].is_active, true);

    const wrong = await tresor(['alias', 'list'], { ...env, TRESOR_ADMIN_PASSWORD: 'not-it' }, d.configPath);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr, 'tresor: wrong password\n');
    writeFileSync(join(d.dir, 'nopass.yaml'), `bind_addr: "127.0.0.1:${port}"\n`);
    const missing = await tresor(['alias', 'list'], env, join(d.dir, 'nopass.yaml'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /set TRESOR_ADMIN_PASSWORD or admin_password in the config/);
    const viaEnv = await tresor(['alias', 'list', '--json'], { ...env, TRESOR_ADMIN_PASSWORD: 'cli-password-123' }, join(d.dir, 'nopass.yaml'));
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.equal(JSON.parse(viaEnv.stdout)[0].active_id, 'm-b');
  } finally {
    await d.close();
  }
});

test('socket_path: the admin API on a Unix socket (mode 0600) that the CLI uses; removed on shutdown', async () => {
  const d = await startCliDaemon(`bind_addr: "127.0.0.1:0"
db_path: DIR/tresor.db
socket_path: admin.sock
log_level: error
downstreams:
  - {id: a, api_formats: [openai], base_url: "https://a.example/v1"}
`);
  const sock = join(d.dir, 'admin.sock');
  try {
    assert.ok(existsSync(sock), 'relative socket_path is taken from the config folder');
    assert.equal(statSync(sock).mode & 0o777, 0o600);
    // No TRESOR_ADMIN_URL and a bind_addr with port 0: only the socket can reach this daemon.
    const r = await tresor(['downstream', 'add-model', 'a', 'via-socket'], { HOME: d.dir }, d.configPath);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(d.daemon.ctx.config.current.downstreams[0].output_model_ids, ['via-socket']);
    // The socket serves the admin API only.
    const raw = await new Promise<string>((resolve, reject) => {
      const c = connect(sock);
      let out = '';
      c.on('data', (b: Buffer) => (out += b.toString()));
      c.on('end', () => resolve(out));
      c.on('error', reject);
      c.write('GET /v1/models HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n');
    });
    assert.match(raw, /^HTTP\/1\.1 404 /);
  } finally {
    await d.close();
  }
  assert.ok(!existsSync(sock));
});
