/**
 * Client headers cannot override downstream auth or hop-by-hop headers (issue 8 §6): in
 * same-format pass-through, where client headers are otherwise forwarded, a client sending
 * its own keys, Host, Connection-nominated headers, Transfer-Encoding and friends in any
 * spelling leaves the downstream with the gateway's values only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const CLIENT_KEY = 'sk-client-supplied-key-9999';
const KEYS = {
  openai: 'sk-gw-openai-1111',
  anthropic: 'sk-gw-anthropic-2222',
  openai_responses: 'sk-gw-responses-3333',
  gemini: 'AIza-gw-gemini-4444',
} as const;
type Fmt = keyof typeof KEYS;

/** Send raw bytes (header spellings, duplicates and framing fetch() would refuse) and read the answer. */
function rawExchange(port: number, head: string, body: string, chunked: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      got += d;
      // one answer is enough: a content-length body or the end of a chunked one
      const m = /content-length: (\d+)/i.exec(got);
      const split = got.indexOf('\r\n\r\n');
      if ((m && split !== -1 && got.length - split - 4 >= Number(m[1])) || got.endsWith('\r\n0\r\n\r\n')) s.end();
    });
    s.on('close', () => resolve(got));
    s.on('error', reject);
    setTimeout(() => s.destroy(), 5000);
    const framed = chunked ? `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n` : body;
    s.write(head + (chunked ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`) + '\r\n' + framed);
  });
}

/** Hostile and ordinary client headers, as raw lines (mixed case on purpose). */
function hostileHeaders(): string {
  return [
    'Host: evil.example',
    `Authorization: Bearer ${CLIENT_KEY}`,
    `X-Api-Key: ${CLIENT_KEY}`,
    `x-API-key: ${CLIENT_KEY}`,
    `X-Goog-Api-Key: ${CLIENT_KEY}`,
    `Proxy-Authorization: Basic ${Buffer.from(`u:${CLIENT_KEY}`).toString('base64')}`,
    `Cookie: session=${CLIENT_KEY}`,
    'Connection: keep-alive, X-Hop-Secret, X-Other-Hop',
    `X-Hop-Secret: ${CLIENT_KEY}`,
    'X-Other-Hop: 1',
    'Keep-Alive: timeout=5',
    'TE: trailers',
    'Trailer: X-Late',
    'Proxy-Connection: keep-alive',
    'Sec-Fetch-Mode: cors',
    'X-Custom-Ok: forwarded',
    'Anthropic-Beta: beta-feature-1',
    'Anthropic-Version: 2023-06-01',
  ].join('\r\n');
}

function request(f: Fmt): { path: string; body: string } {
  switch (f) {
    case 'openai':
      return { path: '/v1/chat/completions', body: JSON.stringify({ model: 'm-openai', messages: [{ role: 'user', content: 'hi' }] }) };
    case 'anthropic':
      return { path: '/v1/messages', body: JSON.stringify({ model: 'm-anthropic', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }) };
    case 'openai_responses':
      return { path: '/v1/responses', body: JSON.stringify({ model: 'm-openai_responses', input: 'hi' }) };
    case 'gemini':
      return {
        path: `/v1beta/models/m-gemini:generateContent?key=${CLIENT_KEY}`,
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
      };
  }
}

describe('client headers never override downstream auth or hop-by-hop headers', () => {
  let mock: MockProvider;
  let gw: TestDaemon;
  before(async () => {
    mock = await startMockProvider();
    gw = await startTestDaemon({
      downstreams: (Object.keys(KEYS) as Fmt[]).map((f) => ({
        id: `ds-${f}`,
        api_formats: [f],
        base_url: f === 'openai' || f === 'openai_responses' ? `${mock.url}/v1` : mock.url,
        api_key: KEYS[f],
        output_model_ids: [`m-${f}`],
      })),
    });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  for (const f of Object.keys(KEYS) as Fmt[]) {
    for (const chunked of [false, true]) {
      test(`${f} pass-through (${chunked ? 'chunked' : 'content-length'} body)`, async () => {
        const { path, body } = request(f);
        const before = mock.requests.length;
        const head = `POST ${path} HTTP/1.1\r\n${hostileHeaders()}\r\nContent-Type: application/json\r\n${chunked ? 'Transfer-Encoding: chunked\r\n' : ''}`;
        const answer = await rawExchange(gw.daemon.port, head, body, chunked);
        assert.match(answer, /^HTTP\/1\.1 200 /, answer.slice(0, 500));
        assert.equal(mock.requests.length, before + 1);
        const seen = mock.requests.at(-1)!;
        const h = seen.headers;

        // the gateway's own key, in the format's one auth header, and no other auth
        if (f === 'anthropic') assert.equal(h['x-api-key'], KEYS[f]);
        else if (f === 'gemini') assert.equal(h['x-goog-api-key'], KEYS[f]);
        else assert.equal(h.authorization, `Bearer ${KEYS[f]}`);
        for (const name of ['authorization', 'x-api-key', 'x-goog-api-key']) {
          const own =
            (f === 'anthropic' && name === 'x-api-key') ||
            (f === 'gemini' && name === 'x-goog-api-key') ||
            ((f === 'openai' || f === 'openai_responses') && name === 'authorization');
          if (!own) assert.equal(h[name], undefined, `${name} must not be forwarded`);
        }
        const all = JSON.stringify(h) + seen.url;
        assert.ok(!all.includes(CLIENT_KEY), `the client's key reached the downstream: ${all}`);

        // hop-by-hop: the gateway's own connection to the downstream decides these
        assert.equal(h.host, new URL(mock.url).host);
        for (const name of [
          'proxy-authorization',
          'cookie',
          'x-hop-secret',
          'x-other-hop',
          'keep-alive',
          'te',
          'trailer',
          'proxy-connection',
          'expect',
          'sec-fetch-mode',
        ]) {
          assert.equal(h[name], undefined, `${name} must not be forwarded`);
        }
        assert.ok(h.connection === undefined || /^(keep-alive|close)$/i.test(String(h.connection)), `connection: ${h.connection}`);
        assert.equal(h['transfer-encoding'], undefined, 'the gateway frames the body itself');
        assert.equal(Number(h['content-length']), Buffer.byteLength(JSON.stringify(seen.body)) || Number(h['content-length']));
        assert.deepEqual(seen.problems, []);

        // ordinary headers still pass, so the test above is not vacuous
        assert.equal(h['x-custom-ok'], 'forwarded');
        if (f === 'anthropic') {
          assert.equal(h['anthropic-beta'], 'beta-feature-1');
          assert.equal(h['anthropic-version'], '2023-06-01');
        }
        assert.ok(!seen.url.includes('key='), 'the client query (?key=) is not forwarded');
      });
    }
  }
});
