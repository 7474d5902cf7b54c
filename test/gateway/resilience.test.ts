/**
 * Fallback, key rotation, retry-on-empty, timeouts, faults and limits, through a real daemon
 * and strict mock providers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import type { LogEntry } from '../../src/observe/types.js';

function recordEntries(gw: TestDaemon): LogEntry[] {
  const entries: LogEntry[] = [];
  const orig = gw.daemon.ctx.observer;
  gw.daemon.ctx.observer = {
    started: orig.started?.bind(orig),
    finished(e, p) {
      entries.push(structuredClone(e));
      orig.finished(e, p);
    },
  };
  return entries;
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const chat = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: 'Hi' }], ...extra });

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) };
}

describe('fallback across alias options', () => {
  let a: MockProvider;
  let b: MockProvider;
  let gw: TestDaemon;
  let entries: LogEntry[];
  let deadPort: number;
  before(async () => {
    a = await startMockProvider();
    b = await startMockProvider((r) => ({ model: String(r.body.model), text: 'from b', usage: { input: 3, output: 2 } }));
    deadPort = await closedPort();
    gw = await startTestDaemon({
      downstreams: [
        { id: 'ds-a', api_formats: ['openai'], base_url: `${a.url}/v1`, api_key: 'key-a-123456', timeouts: { first_byte_ms: 400 } },
        { id: 'ds-b', api_formats: ['anthropic'], base_url: b.url, api_key: 'key-b-123456' },
        { id: 'ds-dead', api_formats: ['openai'], base_url: `http://127.0.0.1:${deadPort}`, api_key: 'key-d-123456', timeouts: { connect_ms: 500 } },
      ],
      aliases: [
        {
          input_model_id: 'fb',
          fallback: true,
          options: [
            { id: 'fa', downstream_id: 'ds-a', output_model_id: 'ma' },
            { id: 'fb2', downstream_id: 'ds-b', output_model_id: 'mb' },
          ],
        },
        {
          input_model_id: 'dead',
          fallback: true,
          options: [
            { id: 'd1', downstream_id: 'ds-dead', output_model_id: 'md' },
            { id: 'd2', downstream_id: 'ds-b', output_model_id: 'mb' },
          ],
        },
        {
          input_model_id: 'nofb',
          options: [
            { id: 'n1', downstream_id: 'ds-a', output_model_id: 'ma' },
            { id: 'n2', downstream_id: 'ds-b', output_model_id: 'mb' },
          ],
        },
      ],
    });
    entries = recordEntries(gw);
  });
  after(async () => {
    await gw.close();
    await a.close();
    await b.close();
  });

  test('a 500 from the active option moves the request to the next one', async () => {
    a.respond(() => ({ error: { status: 500, message: 'boom' } }));
    const r = await post(`${gw.url}/v1/chat/completions`, chat('fb'));
    assert.equal(r.status, 200, r.text);
    assert.equal((r.json() as { choices: { message: { content: string } }[] }).choices[0].message.content, 'from b');
    assert.equal(r.headers.get('x-tresor-attempts'), 'ds-a:500,ds-b:200');
    const e = entries.at(-1)!;
    assert.deepEqual(
      e.attempts.map((x) => [x.downstream_id, x.option_id, x.status]),
      [
        ['ds-a', 'fa', 500],
        ['ds-b', 'fb2', 200],
      ],
    );
  });

  test('a connect error falls back', async () => {
    const r = await post(`${gw.url}/v1/chat/completions`, chat('dead'));
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('x-tresor-attempts') ?? '', /^ds-dead:502,ds-b:200$/);
  });

  test('a first-byte timeout is 504 and falls back', async () => {
    a.respond(() => ({ fault: 'hang' }));
    const t0 = Date.now();
    const r = await post(`${gw.url}/v1/chat/completions`, chat('fb'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-tresor-attempts'), 'ds-a:504,ds-b:200');
    assert.ok(Date.now() - t0 < 3000);
  });

  test('when every option fails the client gets the last failure; a 429 stays 429 with retry-after', async () => {
    a.respond(() => ({ error: { status: 500, message: 'boom' } }));
    b.respond(() => ({ error: { status: 429, message: 'slow down please', retryAfter: '9' } }));
    const r = await post(`${gw.url}/v1/chat/completions`, chat('fb'));
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '9');
    assert.match(r.text, /slow down please/);
    assert.equal(r.headers.get('x-tresor-attempts'), 'ds-a:500,ds-b:429');
    b.respond((q) => ({ model: String(q.body.model), text: 'from b', usage: { input: 3, output: 2 } }));
  });

  test('a 400 is not retried elsewhere, and without fallback nothing is', async () => {
    a.respond(() => ({ error: { status: 400, message: 'bad thing' } }));
    const r1 = await post(`${gw.url}/v1/chat/completions`, chat('fb'));
    assert.equal(r1.status, 400);
    assert.match(r1.text, /bad thing/);
    a.respond(() => ({ error: { status: 503, message: 'overloaded' } }));
    const r2 = await post(`${gw.url}/v1/chat/completions`, chat('nofb'));
    assert.equal(r2.status, 503);
    assert.equal(r2.headers.get('x-tresor-attempts'), 'ds-a:503');
  });

  test('a downstream 401 reaches the client as 502 naming the downstream, never the key', async () => {
    a.respond(() => ({ error: { status: 401, message: 'Incorrect API key provided: key-a-123456' } }));
    const r = await post(`${gw.url}/v1/chat/completions`, chat('nofb'));
    assert.equal(r.status, 502);
    assert.match(r.text, /ds-a/);
  });
});

describe('api_keys rotation', () => {
  let m: MockProvider;
  let gw: TestDaemon;
  before(async () => {
    m = await startMockProvider();
    gw = await startTestDaemon({
      downstreams: [{ id: 'ds', api_formats: ['openai'], base_url: `${m.url}/v1`, api_keys: ['key-one-aaaa', 'key-two-bbbb'], output_model_ids: ['m'] }],
    });
  });
  after(async () => {
    await gw.close();
    await m.close();
  });

  test('keys are used in turn; a 429 key rests and the request retries at once with the next', async () => {
    const used: string[] = [];
    m.respond((r) => {
      const k = String(r.headers.authorization).slice(7);
      used.push(k);
      return k === 'key-one-aaaa' ? { error: { status: 429, message: 'limited', retryAfter: '30' } } : { model: 'm', text: 'ok' };
    });
    const r1 = await post(`${gw.url}/v1/chat/completions`, chat('m'));
    assert.equal(r1.status, 200, r1.text);
    const r2 = await post(`${gw.url}/v1/chat/completions`, chat('m'));
    assert.equal(r2.status, 200);
    assert.deepEqual(used, ['key-one-aaaa', 'key-two-bbbb', 'key-two-bbbb'], 'the resting key is skipped');
  });

  test('when every key rests the client gets 429 with the shortest rest as retry-after', async () => {
    m.respond(() => ({ error: { status: 429, message: 'limited', retryAfter: '20' } }));
    const r = await post(`${gw.url}/v1/chat/completions`, chat('m'));
    assert.equal(r.status, 429);
    const ra = Number(r.headers.get('retry-after'));
    assert.ok(ra >= 1 && ra <= 30, `retry-after ${ra}`);
  });
});

describe('retry_on_empty', () => {
  let m: MockProvider;
  let gw: TestDaemon;
  let entries: LogEntry[];
  before(async () => {
    m = await startMockProvider();
    gw = await startTestDaemon({
      retry_on_empty: true,
      downstreams: [{ id: 'ds', api_formats: ['anthropic'], base_url: m.url, api_key: 'k-123456789', output_model_ids: ['m'] }],
    });
    entries = recordEntries(gw);
  });
  after(async () => {
    await gw.close();
    await m.close();
  });

  for (const stream of [false, true]) {
    test(`an empty 200 is retried until content arrives (${stream ? 'stream' : 'non-stream'})`, async () => {
      let n = 0;
      m.respond(() => (++n < 3 ? { model: 'm', text: '  ' } : { model: 'm', text: 'finally some text' }));
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
      let text = '';
      if (stream) {
        for await (const c of await client.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }))
          text += c.choices[0]?.delta?.content ?? '';
      } else {
        text = (await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).choices[0].message.content ?? '';
      }
      assert.equal(text, 'finally some text');
      assert.equal(n, 3);
      const e = entries.at(-1)!;
      assert.deepEqual(
        e.attempts.map((a) => a.error ?? 'ok'),
        ['empty response', 'empty response', 'ok'],
      );
    });
  }

  test('gives up after 3 retries and returns the empty answer', async () => {
    let n = 0;
    m.respond(() => {
      n++;
      return { model: 'm', text: '' };
    });
    const r = await post(`${gw.url}/v1/chat/completions`, chat('m'));
    assert.equal(r.status, 200);
    assert.equal(n, 4);
  });
});

describe('faults and limits', () => {
  let m: MockProvider;
  let gw: TestDaemon;
  before(async () => {
    m = await startMockProvider(undefined, { chunkDelayMs: 0 });
    gw = await startTestDaemon({
      max_body_bytes: 4096,
      downstreams: [
        { id: 'ant', api_formats: ['anthropic'], base_url: m.url, api_key: 'k-123456789', output_model_ids: ['claude'], timeouts: { idle_ms: 400 } },
        { id: 'oai', api_formats: ['openai'], base_url: `${m.url}/v1`, api_key: 'k-123456789', output_model_ids: ['gpt'], timeouts: { idle_ms: 400 } },
      ],
    });
  });
  after(async () => {
    await gw.close();
    await m.close();
  });

  test('invalid JSON and wrong shapes get 400 in the client format', async () => {
    const r1 = await post(`${gw.url}/v1/messages`, '{"model": ', { 'anthropic-version': '2023-06-01' });
    assert.equal(r1.status, 400);
    assert.equal((r1.json() as { type: string }).type, 'error');
    const r2 = await post(`${gw.url}/v1/chat/completions`, '[1,2]');
    assert.equal(r2.status, 400);
    assert.ok((r2.json() as { error: { message: string } }).error.message);
    const r3 = await post(`${gw.url}/v1beta/models/claude:generateContent`, { contents: 'nope' });
    assert.equal(r3.status, 400);
    assert.equal((r3.json() as { error: { status: string } }).error.status, 'INVALID_ARGUMENT');
    const r4 = await post(`${gw.url}/v1/chat/completions`, { model: 'gpt', messages: 'hello' });
    assert.equal(r4.status, 400, r4.text);
  });

  test('an unknown model is 404 naming it and how to list models', async () => {
    const r = await post(`${gw.url}/v1/chat/completions`, chat('no-such-model'));
    assert.equal(r.status, 404);
    assert.match(r.text, /no-such-model/);
    assert.match(r.text, /\/v1\/models/);
  });

  test('a body over max_body_bytes is 413 in the client format, declared or chunked', async () => {
    const big = JSON.stringify(chat('gpt', { messages: [{ role: 'user', content: 'x'.repeat(10_000) }] }));
    const r = await post(`${gw.url}/v1/chat/completions`, big);
    assert.equal(r.status, 413);
    const chunked = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1000)));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    assert.equal(((await chunked.json()) as { error: { type: string } }).error.type, 'request_too_large');
  });

  test('garbage from the downstream is a 502 in the client format', async () => {
    m.respond(() => ({ fault: 'garbage' }));
    const r = await post(`${gw.url}/v1/chat/completions`, chat('claude'));
    assert.equal(r.status, 502);
    assert.match(r.text, /not valid JSON/);
  });

  test('a stream the downstream cuts ends with the client format’s error event', async () => {
    m.respond(() => ({ model: 'claude', text: 'one two three four five', breakAfter: 2 }));
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
    let text = '';
    await assert.rejects(async () => {
      for await (const c of await client.chat.completions.create({ model: 'claude', stream: true, messages: [{ role: 'user', content: 'hi' }] }))
        text += c.choices[0]?.delta?.content ?? '';
    });
    assert.ok(text.length > 0, 'content before the break was delivered');
  });

  test('an idle downstream stream ends with an error event after idle_ms', async () => {
    m.respond(() => ({
      raw: {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        body: [
          'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}\n\n',
        ],
        hang: true,
      },
    }));
    const t0 = Date.now();
    const r = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    // pass-through stream: the raw frames end with Anthropic's error event
    const text = await r.text();
    assert.match(text, /event: error\ndata: \{"type":"error","error":\{"type":"[a-z_]+","message":"[^"]*idle/);
    assert.ok(Date.now() - t0 < 5000);
  });

  test('a client that disconnects aborts the downstream request at once', async () => {
    const slow = await startMockProvider(undefined, { chunkDelayMs: 200 });
    const g2 = await startTestDaemon({
      downstreams: [{ id: 'ant', api_formats: ['anthropic'], base_url: slow.url, api_key: 'k-123456789', output_model_ids: ['claude'] }],
    });
    try {
      slow.respond(() => ({ model: 'claude', text: Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ') }));
      const ctl = new AbortController();
      const client = new Anthropic({ baseURL: g2.url, apiKey: 'x', maxRetries: 0 });
      const s = await client.messages.create(
        { model: 'claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] },
        { signal: ctl.signal },
      );
      let n = 0;
      try {
        for await (const ev of s) {
          if (ev.type === 'content_block_delta' && ++n === 2) ctl.abort();
        }
      } catch {
        /* the SDK may end the iteration quietly or throw on abort */
      }
      assert.equal(n, 2);
      const t0 = Date.now();
      while (slow.aborted === 0 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 10));
      assert.equal(slow.aborted, 1, 'the downstream saw the abort');
      assert.ok(Date.now() - t0 < 500, `abort reached the downstream after ${Date.now() - t0} ms`);
    } finally {
      await g2.close();
      await slow.close();
    }
  });
});

describe('proxy auth and CORS', () => {
  let m: MockProvider;
  let gw: TestDaemon;
  before(async () => {
    m = await startMockProvider();
    gw = await startTestDaemon({
      proxy_api_keys: ['sk-proxy-123'],
      cors_origins: ['https://app.example.com'],
      downstreams: [{ id: 'oai', api_formats: ['openai'], base_url: `${m.url}/v1`, api_key: 'real-upstream-key', output_model_ids: ['gpt'] }],
    });
  });
  after(async () => {
    await gw.close();
    await m.close();
  });

  test('a missing or wrong key is 401 in the client format; the client key is never forwarded', async () => {
    const r1 = await post(`${gw.url}/v1/chat/completions`, chat('gpt'));
    assert.equal(r1.status, 401);
    assert.ok((r1.json() as { error: { message: string } }).error.message);
    const r2 = await post(`${gw.url}/v1/messages`, { model: 'gpt', max_tokens: 5, messages: [] }, { 'x-api-key': 'wrong' });
    assert.equal(r2.status, 401);
    assert.equal((r2.json() as { type: string; error: { type: string } }).error.type, 'authentication_error');
    const r3 = await post(`${gw.url}/v1beta/models/gpt:generateContent?key=nope`, { contents: [] });
    assert.equal(r3.status, 401);
    assert.equal((r3.json() as { error: { status: string } }).error.status, 'UNAUTHENTICATED');
    const before = m.requests.length;
    for (const h of [{ authorization: 'Bearer sk-proxy-123' }, { 'x-api-key': 'sk-proxy-123' }, { 'x-goog-api-key': 'sk-proxy-123' }]) {
      const r = await post(`${gw.url}/v1/chat/completions`, chat('gpt'), h);
      assert.equal(r.status, 200, r.text);
    }
    const ok = await post(`${gw.url}/v1/chat/completions?key=sk-proxy-123`, chat('gpt'));
    assert.equal(ok.status, 200);
    for (const req of m.requests.slice(before)) {
      assert.equal(req.headers.authorization, 'Bearer real-upstream-key');
      assert.equal(req.headers['x-api-key'], undefined);
      assert.equal(req.headers['x-goog-api-key'], undefined);
    }
  });

  test('CORS: allowed origin gets headers, others get none, refused preflight is 403', async () => {
    const pre = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(pre.status, 403);
    const ok = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
    const r = await post(`${gw.url}/v1/chat/completions`, chat('gpt'), { origin: 'https://evil.example', authorization: 'Bearer sk-proxy-123' });
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    const health = await fetch(`${gw.url}/api/health`, { headers: { origin: 'https://app.example.com' } });
    assert.equal(health.headers.get('access-control-allow-origin'), null, 'the admin API never sends CORS headers');
  });
});

describe('shutdown', () => {
  test('in-flight requests finish, new ones get 503, then the daemon stops', async () => {
    const slow = await startMockProvider(undefined, { chunkDelayMs: 100 });
    const gw = await startTestDaemon({
      downstreams: [{ id: 'ant', api_formats: ['anthropic'], base_url: slow.url, api_key: 'k-123456789', output_model_ids: ['claude'] }],
    });
    try {
      slow.respond(() => ({ model: 'claude', text: 'a b c d e f' }));
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
      const inflight = (async () => {
        let t = '';
        for await (const c of await client.chat.completions.create({ model: 'claude', stream: true, messages: [{ role: 'user', content: 'hi' }] }))
          t += c.choices[0]?.delta?.content ?? '';
        return t;
      })();
      await new Promise((r) => setTimeout(r, 150));
      const closing = gw.daemon.close(5000);
      gw.daemon.ctx.draining = true;
      assert.equal(await inflight, 'a b c d e f');
      await closing;
    } finally {
      await slow.close();
    }
  });
});
