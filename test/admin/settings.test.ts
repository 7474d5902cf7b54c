import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startAdmin, type AdminHarness } from './helpers.js';

const BASE = `# settings
bind_addr: "127.0.0.1:0"
log_level: info        # level
proxy_api_keys: [sk-proxy-literal-000001, "\${T_PROXY_KEY}"]
metrics_token: metrics-token-literal-42
downstreams: []
`;

let h: AdminHarness;
before(async () => {
  h = await startAdmin(BASE, { env: { ...process.env, T_PROXY_KEY: 'sk-proxy-from-env-000002' } });
});
after(async () => {
  await h.close();
});

test('GET /api/config: settings with secrets masked and references shown', async () => {
  const r = await h.api('GET', '/api/config');
  assert.equal(r.status, 200);
  assert.equal(r.body.log_level, 'info');
  assert.deepEqual(r.body.proxy_api_keys, ['sk-…0001', '${T_PROXY_KEY}']);
  assert.equal(r.body.metrics_token, 'met…l-42');
  assert.equal(r.body.admin_password, null);
  assert.equal(r.body.admin_password_set, false);
  assert.equal(r.body.capture_payloads, false);
  assert.equal(r.body.retry_on_empty, false);
  assert.equal(r.body.proxy_mode, 'auto');
  assert.equal(r.body.bind_addr, '127.0.0.1:0');
  assert.equal(r.body.config_path, h.configPath);
  assert.ok(!JSON.stringify(r.body).includes('literal'));
});

test('PUT /api/config: partial, written in place, applied; the whole GET body echoed back changes nothing', async () => {
  const before = readFileSync(h.configPath, 'utf8');
  const r = await h.api('PUT', '/api/config', { log_level: 'debug', capture_payloads: true, retry_on_empty: true, proxy_mode: 'none' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.changed, ['log_level', 'capture_payloads', 'retry_on_empty', 'proxy_mode']);
  assert.equal(h.ctx.config.current.capture_payloads, true);
  assert.equal(
    readFileSync(h.configPath, 'utf8'),
    before
      .replace('log_level: info        # level', 'log_level: debug        # level')
      .replace(
        'metrics_token: metrics-token-literal-42\n',
        'metrics_token: metrics-token-literal-42\ncapture_payloads: true\nretry_on_empty: true\nproxy_mode: none\n',
      ),
  );
  const shown = (await h.api('GET', '/api/config')).body;
  const writable = [
    'log_level',
    'proxy_api_keys',
    'admin_password',
    'capture_payloads',
    'retry_on_empty',
    'proxy_mode',
    'cors_origins',
    'metrics_token',
    'fallback_deadline_ms',
    'session_ttl_hours',
  ];
  const echo = Object.fromEntries(writable.map((k) => [k, shown[k]]));
  const text = readFileSync(h.configPath, 'utf8');
  const same = await h.api('PUT', '/api/config', { ...echo, cors_origins: undefined, fallback_deadline_ms: undefined, session_ttl_hours: undefined });
  assert.equal(same.status, 200, JSON.stringify(same.body));
  assert.deepEqual(same.body.changed, []);
  assert.equal(readFileSync(h.configPath, 'utf8'), text, 'masks and references sent back keep the file as it was');
});

test('PUT /api/config: secrets, removal with null, a literal replacing a reference', async () => {
  const keys = await h.api('PUT', '/api/config', { proxy_api_keys: ['sk-…0001', 'sk-brand-new-proxy-0003'] });
  assert.equal(keys.status, 200);
  assert.deepEqual(keys.body.proxy_api_keys, ['sk-…0001', 'sk-…0003']);
  assert.deepEqual(h.ctx.config.current.proxy_api_keys, ['sk-proxy-literal-000001', 'sk-brand-new-proxy-0003']);
  assert.match(readFileSync(h.configPath, 'utf8'), /proxy_api_keys: \[sk-proxy-literal-000001, sk-brand-new-proxy-0003\]/);
  const pw = await h.api('PUT', '/api/config', { metrics_token: null });
  assert.equal(pw.body.metrics_token, null);
  assert.ok(!readFileSync(h.configPath, 'utf8').includes('metrics_token'));
});

test('PUT /api/config: invalid input names the field; read-only and unknown keys refused', async () => {
  const cases: [unknown, string][] = [
    [{ log_level: 'loud' }, 'log_level'],
    [{ capture_payloads: 'yes' }, 'capture_payloads'],
    [{ proxy_mode: 'sometimes' }, 'proxy_mode'],
    [{ proxy_api_keys: 'sk-x' }, 'proxy_api_keys'],
    [{ fallback_deadline_ms: -5 }, 'fallback_deadline_ms'],
    [{ bind_addr: '0.0.0.0:1' }, 'bind_addr'],
    [{ db_path: '/tmp/x.db' }, 'db_path'],
    [{ favourite_colour: 'blue' }, 'favourite_colour'],
    [{ proxy_api_keys: ['sk-…9999'] }, 'proxy_api_keys'],
  ];
  const text = readFileSync(h.configPath, 'utf8');
  for (const [body, field] of cases) {
    const r = await h.api('PUT', '/api/config', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.field, field, JSON.stringify(r.body));
  }
  assert.equal((await h.api('PUT', '/api/config', [1, 2])).status, 400);
  assert.equal(readFileSync(h.configPath, 'utf8'), text);
});

test('unknown endpoints 404, wrong methods 405, oversized bodies 413', async () => {
  assert.equal((await h.api('GET', '/api/nothing-here')).status, 404);
  assert.equal((await h.api('PATCH', '/api/config', {})).status, 405);
  const big = await h.api('PUT', '/api/config', { log_level: 'x'.repeat(1024 * 1024 + 10) });
  assert.equal(big.status, 413);
});
