import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startAdmin, callApi } from './helpers.js';
import { AdminAuth, FailureLimiter, parseCookies } from '../../src/admin/auth.js';
import { ApiError, type AdminRequest } from '../../src/admin/router.js';
import { startDaemon } from '../../src/app/daemon.js';

const WITH_PASSWORD = `bind_addr: "127.0.0.1:0"
admin_password: correct-horse-battery
session_ttl_hours: 1
`;

function cookieOf(headers: Headers): string {
  const set = headers.get('set-cookie') ?? '';
  return set.split(';')[0];
}

test('login sets an HttpOnly SameSite=Strict session cookie that authenticates; logout ends it', async () => {
  const h = await startAdmin(WITH_PASSWORD);
  try {
    assert.equal((await h.api('GET', '/api/downstreams')).status, 401);
    const status0 = await h.api('GET', '/api/auth/status');
    assert.deepEqual(status0.body, { password_required: true, authenticated: false, loopback_only: false });
    assert.equal((await h.api('GET', '/api/health')).status, 200, 'health stays public');

    const login = await h.api('POST', '/api/auth/login', { password: 'correct-horse-battery' });
    assert.equal(login.status, 200);
    const set = login.headers.get('set-cookie') ?? '';
    assert.match(set, /^tresor_session=[A-Za-z0-9_-]{20,};/);
    assert.match(set, /; HttpOnly/);
    assert.match(set, /; SameSite=Strict/);
    assert.match(set, /; Path=\//);
    assert.match(set, /; Max-Age=3600/);
    const cookie = cookieOf(login.headers);

    assert.equal((await h.api('GET', '/api/downstreams', undefined, { cookie })).status, 200);
    const status1 = await h.api('GET', '/api/auth/status', undefined, { cookie });
    assert.equal(status1.body.authenticated, true);

    const out = await h.api('POST', '/api/auth/logout', undefined, { cookie });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal((await h.api('GET', '/api/downstreams', undefined, { cookie })).status, 401);
    assert.equal((await h.api('GET', '/api/downstreams', undefined, { cookie: 'tresor_session=forged' })).status, 401);

    const wrong = await h.api('POST', '/api/auth/login', { password: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.field, 'password');
    const noBody = await h.api('POST', '/api/auth/login', {});
    assert.equal(noBody.status, 400);
    assert.equal(noBody.body.field, 'password');
  } finally {
    await h.close();
  }
});

test('sessions expire after session_ttl_hours', async () => {
  const h = await startAdmin(WITH_PASSWORD.replace('session_ttl_hours: 1', 'session_ttl_hours: 0.0001'));
  try {
    const login = await h.api('POST', '/api/auth/login', { password: 'correct-horse-battery' });
    const cookie = cookieOf(login.headers);
    assert.equal((await h.api('GET', '/api/config', undefined, { cookie })).status, 200);
    await new Promise((r) => setTimeout(r, 450));
    assert.equal((await h.api('GET', '/api/config', undefined, { cookie })).status, 401);
  } finally {
    await h.close();
  }
});

test('the password as a Bearer token works (the CLI); a wrong one is 401', async () => {
  const h = await startAdmin(WITH_PASSWORD);
  try {
    assert.equal((await h.api('GET', '/api/config', undefined, { authorization: 'Bearer correct-horse-battery' })).status, 200);
    assert.equal((await h.api('GET', '/api/config', undefined, { authorization: 'Bearer correct-horse' })).status, 401);
    assert.equal((await h.api('GET', '/api/config', undefined, { authorization: 'Basic Y29ycmVjdA==' })).status, 401);
  } finally {
    await h.close();
  }
});

test('5 failed logins per minute per address, then 429 (even with the right password); successes do not count', async () => {
  const h = await startAdmin(WITH_PASSWORD);
  try {
    for (let i = 0; i < 8; i++) assert.equal((await h.api('POST', '/api/auth/login', { password: 'correct-horse-battery' })).status, 200);
    for (let i = 0; i < 4; i++) assert.equal((await h.api('POST', '/api/auth/login', { password: 'guess' + i })).status, 401);
    assert.equal((await h.api('GET', '/api/config', undefined, { authorization: 'Bearer guess-bearer' })).status, 401, 'a wrong Bearer counts too');
    const limited = await h.api('POST', '/api/auth/login', { password: 'correct-horse-battery' });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal((await h.api('GET', '/api/config', undefined, { authorization: 'Bearer correct-horse-battery' })).status, 429);
  } finally {
    await h.close();
  }
});

test('the limiter window slides', () => {
  const l = new FailureLimiter(5, 60_000);
  for (let i = 0; i < 5; i++) l.record('1.2.3.4', 1000 + i);
  assert.ok(l.retryAfter('1.2.3.4', 2000) > 0);
  assert.equal(l.retryAfter('5.6.7.8', 2000), 0, 'per address');
  assert.equal(l.retryAfter('1.2.3.4', 61_001), 0);
});

test('CSRF: a state-changing request from another origin is refused, login included', async () => {
  const h = await startAdmin(WITH_PASSWORD);
  try {
    const evil = await h.api('POST', '/api/auth/login', { password: 'correct-horse-battery' }, { origin: 'http://evil.example' });
    assert.equal(evil.status, 403);
    const nul = await h.api('POST', '/api/auth/login', { password: 'correct-horse-battery' }, { origin: 'null' });
    assert.equal(nul.status, 403);
    const viaReferer = await h.api('POST', '/api/auth/login', { password: 'correct-horse-battery' }, { referer: 'http://evil.example/page' });
    assert.equal(viaReferer.status, 403);
    const own = await h.api('POST', '/api/auth/login', { password: 'correct-horse-battery' }, { origin: h.url });
    assert.equal(own.status, 200);
    const cookie = cookieOf(own.headers);
    const ownReferer = await h.api('PUT', '/api/config', { log_level: 'warn' }, { cookie, referer: `${h.url}/settings` });
    assert.equal(ownReferer.status, 200);
    const cross = await h.api('PUT', '/api/config', { log_level: 'debug' }, { cookie, origin: 'https://evil.example' });
    assert.equal(cross.status, 403);
    assert.equal(h.ctx.config.current.log_level, 'warn');
    const readCross = await h.api('GET', '/api/config', undefined, { cookie, origin: 'https://evil.example' });
    assert.equal(readCross.status, 200, 'reads are not state-changing');
    assert.equal(readCross.headers.get('access-control-allow-origin'), null, 'the admin API sends no CORS headers');
  } finally {
    await h.close();
  }
});

test('without a password: loopback answers without login; the auth status says so', async () => {
  const h = await startAdmin('bind_addr: "127.0.0.1:0"\n');
  try {
    assert.equal((await h.api('GET', '/api/config')).status, 200);
    assert.deepEqual((await h.api('GET', '/api/auth/status')).body, { password_required: false, authenticated: true, loopback_only: true });
    assert.equal((await h.api('POST', '/api/auth/login', { password: 'x' })).status, 400);
    // A loopback client naming a foreign host is a browser under DNS rebinding.
    const port = new URL(h.url).port;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/config', headers: { host: `attacker.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403);
  } finally {
    await h.close();
  }
});

test('without a password, a non-loopback client is refused (403)', async () => {
  const h = await startAdmin('bind_addr: "127.0.0.1:0"\n');
  try {
    const auth = new AdminAuth(h.ctx);
    const fake = (clientAddr: string): AdminRequest =>
      ({
        method: 'GET',
        path: '/api/config',
        params: {},
        query: new URLSearchParams(),
        body: undefined,
        headers: {},
        clientAddr,
        ctx: h.ctx,
      }) as unknown as AdminRequest;
    assert.throws(
      () => auth.authorize(fake('192.168.1.20'), false),
      (e: unknown) => e instanceof ApiError && e.status === 403,
    );
    assert.throws(
      () => auth.authorize(fake('::ffff:10.0.0.1'), false),
      (e: unknown) => e instanceof ApiError && e.status === 403,
    );
    auth.authorize(fake('127.0.0.1'), false);
    auth.authorize(fake('::1'), false);
    auth.authorize(fake('192.168.1.20'), true); // public routes stay public
  } finally {
    await h.close();
  }
});

test('changing the password ends other sessions and gives the caller a new one', async () => {
  const h = await startAdmin(WITH_PASSWORD);
  try {
    const a = cookieOf((await h.api('POST', '/api/auth/login', { password: 'correct-horse-battery' })).headers);
    const b = cookieOf((await h.api('POST', '/api/auth/login', { password: 'correct-horse-battery' })).headers);
    const change = await h.api('PUT', '/api/config', { admin_password: 'new-secret-password' }, { cookie: a });
    assert.equal(change.status, 200);
    assert.equal(change.body.admin_password, '…');
    const fresh = cookieOf(change.headers);
    assert.notEqual(fresh, a);
    assert.equal((await h.api('GET', '/api/config', undefined, { cookie: a })).status, 401);
    assert.equal((await h.api('GET', '/api/config', undefined, { cookie: b })).status, 401);
    assert.equal((await h.api('GET', '/api/config', undefined, { cookie: fresh })).status, 200);
    assert.equal((await h.api('GET', '/api/config', undefined, { authorization: 'Bearer new-secret-password' })).status, 200);
  } finally {
    await h.close();
  }
});

test('sessions live in the SQLite database and survive a daemon restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-sess-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, `bind_addr: "127.0.0.1:0"\ndb_path: ${join(dir, 'tresor.db')}\nadmin_password: correct-horse-battery\nlog_level: error\n`);
  const logger = pino({ level: 'silent' });
  let d = await startDaemon({ configPath, logger });
  try {
    const login = await callApi(d.url, 'POST', '/api/auth/login', { password: 'correct-horse-battery' });
    assert.equal(login.status, 200);
    const cookie = cookieOf(login.headers);
    await d.close(100);
    d = await startDaemon({ configPath, logger });
    assert.equal((await callApi(d.url, 'GET', '/api/config', undefined, { cookie })).status, 200);
  } finally {
    await d.close(100);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cookie parsing', () => {
  assert.deepEqual(parseCookies('a=1; tresor_session=abc%2Bd; b'), { a: '1', tresor_session: 'abc+d' });
  assert.deepEqual(parseCookies(undefined), {});
});
