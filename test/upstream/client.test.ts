import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { UpstreamBody, UpstreamClient, DEFAULT_TIMEOUTS } from '../../src/upstream/client.js';
import { Cancellation } from '../../src/util/cancellation.js';
import type { DownstreamConfig } from '../../src/config/schema.js';

const ds = { id: 'mock', api_formats: ['openai'], base_url: 'http://127.0.0.1' } as unknown as DownstreamConfig;

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function send(client: UpstreamClient, url: string, cancel?: Cancellation) {
  return client.send(ds, { url: new URL(url), headers: { 'content-type': 'application/json' }, body: '{}', timeouts: { ...DEFAULT_TIMEOUTS }, cancel });
}

test('Cancellation runs each listener once, at once when already cancelled, and not after unsubscribing', () => {
  const c = new Cancellation();
  const seen: string[] = [];
  const off = c.on(() => seen.push('a'));
  c.on((r) => seen.push(`b:${r.message}`));
  off();
  c.cancel(new Error('why'));
  c.cancel(new Error('again'));
  c.on((r) => seen.push(`late:${r.message}`));
  assert.deepEqual(seen, ['b:why', 'late:why']);
  assert.equal(c.cancelled, true);
});

test('UpstreamBody: chunks that wait are read as one, text() gathers all, a failure reaches the reader', async () => {
  const body = new UpstreamBody(() => {});
  body.push(Buffer.from('ab'), () => {});
  body.push(Buffer.from('cd'), () => {});
  const it = body[Symbol.asyncIterator]();
  assert.equal((await it.next()).value?.toString(), 'abcd');
  const next = it.next();
  body.push(Buffer.from('ef'), () => {});
  assert.equal((await next).value?.toString(), 'ef', 'a reader waiting gets the next chunk when it arrives');
  body.fail(new Error('socket closed'));
  await assert.rejects(it.next(), /socket closed/);

  const whole = new UpstreamBody(() => {});
  const text = whole.text();
  whole.push(Buffer.from('{"a":'), () => {});
  whole.push(Buffer.from('1}'), () => {});
  whole.end();
  assert.equal(await text, '{"a":1}');
});

test('UpstreamBody asks undici to pause past 64 KiB unread and resumes once read', async () => {
  let resumed = 0;
  const body = new UpstreamBody(() => {});
  assert.equal(
    body.push(Buffer.alloc(32 * 1024), () => resumed++),
    true,
  );
  assert.equal(
    body.push(Buffer.alloc(40 * 1024), () => resumed++),
    false,
    'pause',
  );
  const first = await body[Symbol.asyncIterator]().next();
  assert.equal(first.value?.length, 72 * 1024);
  assert.equal(resumed, 1, 'resumed after the read');
});

test('the client reads status, headers and body; decompresses gzip; a cancel before the answer aborts the call', async () => {
  let hold: (() => void) | undefined;
  const { url, server } = await serve((req, res) => {
    if (req.url === '/gzip') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-multi': ['1', '2'] });
      res.end(gzipSync('{"ok":true}'));
    } else if (req.url === '/hang') {
      hold = () => res.end('late');
    } else {
      res.writeHead(429, { 'retry-after': '3' });
      res.end('slow down');
    }
  });
  const client = new UpstreamClient(() => 'none');
  try {
    const gz = await send(client, `${url}/gzip`);
    assert.equal(gz.statusCode, 200);
    assert.deepEqual(gz.headers['x-multi'], ['1', '2']);
    assert.equal(await gz.body.text(), '{"ok":true}');

    const limited = await send(client, `${url}/other`);
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers['retry-after'], '3');
    assert.equal(await limited.body.text(), 'slow down');

    const cancel = new Cancellation();
    const pending = send(client, `${url}/hang`, cancel);
    setTimeout(() => cancel.cancel(Object.assign(new Error('client disconnected'), { name: 'AbortError' })), 50);
    await assert.rejects(pending, (e: Error & { info?: { status: number } }) => e.info?.status === 499);
    hold?.();
  } finally {
    await client.close();
    server.close();
  }
});
