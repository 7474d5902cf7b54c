/**
 * The gateway's endpoints beyond generate, through a real daemon, strict mock providers and
 * the official SDKs: token counting (forwarded natively or estimated, never a 404), model
 * listing in each format's shape, Gemini streamGenerateContent without alt=sse (a JSON array
 * streamed progressively), and previous_response_id sent where it cannot be honoured.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { FORMAT_IDS, type FormatId } from '../../src/ir/types.js';
import { MOCKS, MOCK_TOKEN_COUNT, startMockProvider, type MockProvider } from '../mocks/server.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const KEY = 'sk-proxy-endpoints';
let mock: MockProvider;
let gw: TestDaemon;

before(async () => {
  mock = await startMockProvider();
  gw = await startTestDaemon({
    proxy_api_keys: [KEY],
    downstreams: [
      { id: 'ds-openai', api_formats: ['openai'], base_url: `${mock.url}/v1`, api_key: 'key-openai-0001', output_model_ids: ['gpt-4o', 'gpt-4o-mini'] },
      { id: 'ds-anthropic', api_formats: ['anthropic'], base_url: mock.url, api_key: 'key-anthropic-0001', output_model_ids: ['claude-sonnet-4-20250514'] },
      { id: 'ds-gemini', api_formats: ['gemini'], base_url: mock.url, api_key: 'key-gemini-0001', output_model_ids: ['gemini-2.5-flash'] },
      { id: 'ds-responses', api_formats: ['openai_responses'], base_url: mock.url, api_key: 'key-responses-0001', output_model_ids: ['gpt-5', 'gpt-4o'] },
      // speaks Anthropic second: count_tokens of an Anthropic client still goes to it natively
      {
        id: 'ds-multi',
        api_formats: ['openai', 'anthropic'],
        base_url: mock.url,
        format_urls: { openai: `${mock.url}/v1` },
        api_key: 'key-multi-0001',
        output_model_ids: ['multi-model'],
      },
      { id: 'ds-off', api_formats: ['openai'], base_url: mock.url, api_key: 'k', output_model_ids: ['hidden-model'], is_enabled: false },
    ],
    aliases: [
      { input_model_id: 'my-claude', options: [{ id: 'o-claude', downstream_id: 'ds-anthropic', output_model_id: 'claude-sonnet-4-20250514' }] },
      { input_model_id: 'my-gemini', options: [{ id: 'o-gemini', downstream_id: 'ds-gemini', output_model_id: 'gemini-2.5-flash' }] },
      { input_model_id: 'claude-on-openai', options: [{ id: 'o-c-oa', downstream_id: 'ds-openai', output_model_id: 'gpt-4o' }] },
      { input_model_id: 'gemini-on-anthropic', options: [{ id: 'o-g-an', downstream_id: 'ds-anthropic', output_model_id: 'claude-sonnet-4-20250514' }] },
      { input_model_id: 'claude-on-multi', options: [{ id: 'o-c-mu', downstream_id: 'ds-multi', output_model_id: 'multi-model' }] },
      { input_model_id: 'gpt-4o', options: [{ id: 'o-4o', downstream_id: 'ds-anthropic', output_model_id: 'claude-sonnet-4-20250514' }] },
      {
        input_model_id: 'claude-.*-latest',
        is_regex: true,
        options: [{ id: 'o-re', downstream_id: 'ds-anthropic', output_model_id: 'claude-sonnet-4-20250514' }],
      },
      ...FORMAT_IDS.map((f) => ({
        input_model_id: `stream-via-${f}`,
        options: [
          {
            id: `o-s-${f}`,
            downstream_id: f === 'openai_responses' ? 'ds-responses' : `ds-${f}`,
            output_model_id: f === 'openai' ? 'gpt-4o' : f === 'anthropic' ? 'claude-sonnet-4-20250514' : f === 'gemini' ? 'gemini-2.5-flash' : 'gpt-5',
          },
        ],
      })),
    ],
  });
});
after(async () => {
  await gw?.close();
  await mock?.close();
});

const anthropic = () => new Anthropic({ apiKey: KEY, baseURL: gw.url, maxRetries: 0 });
const gemini = () => new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: gw.url } });
const openai = () => new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });

// ------------------------------------------------------------------ token counting
describe('token counting', () => {
  test('anthropic count_tokens, Anthropic downstream: forwarded natively with the downstream’s model and key', async () => {
    const before = mock.requests.length;
    const { data, response } = await anthropic()
      .messages.countTokens({ model: 'my-claude', system: 'Be brief.', messages: [{ role: 'user', content: 'Hello, how many tokens is this?' }] })
      .withResponse();
    assert.equal(data.input_tokens, MOCK_TOKEN_COUNT.anthropic, 'the provider’s own count');
    assert.equal(response.headers.get('x-tresor-token-estimate'), null);
    const sent = mock.requests.slice(before);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].path, '/v1/messages/count_tokens');
    assert.deepEqual(sent[0].problems, []);
    assert.equal(sent[0].body.model, 'claude-sonnet-4-20250514');
    assert.equal(sent[0].headers['x-api-key'], 'key-anthropic-0001', 'the downstream’s key, never the client’s');
    assert.ok(sent[0].headers['anthropic-version']);
  });

  test('anthropic count_tokens with generation-only fields (max_tokens, stream...) still counts', async () => {
    const before = mock.requests.length;
    const r = await fetch(`${gw.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'my-claude', max_tokens: 1024, temperature: 0.2, stream: false, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    assert.equal(r.status, 200, await r.clone().text());
    assert.deepEqual(await r.json(), { input_tokens: MOCK_TOKEN_COUNT.anthropic });
    assert.deepEqual(mock.requests.slice(before)[0].problems, []);
  });

  test('anthropic count_tokens, downstream speaking Anthropic as its second format: forwarded natively', async () => {
    const before = mock.requests.length;
    const r = await anthropic().messages.countTokens({ model: 'claude-on-multi', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(r.input_tokens, MOCK_TOKEN_COUNT.anthropic);
    assert.equal(mock.requests.slice(before)[0].headers['x-api-key'], 'key-multi-0001');
  });

  test('anthropic count_tokens, OpenAI downstream: a local estimate, marked as one', async () => {
    const before = mock.requests.length;
    const short = await anthropic()
      .messages.countTokens({ model: 'claude-on-openai', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    const long = await anthropic()
      .messages.countTokens({
        model: 'claude-on-openai',
        system: 'You are a meticulous assistant who answers in full sentences.',
        messages: [{ role: 'user', content: 'Please explain, in detail, how a bicycle gear system works and why it helps on hills.' }],
        tools: [{ name: 'lookup', description: 'Looks a term up', input_schema: { type: 'object', properties: { term: { type: 'string' } } } }],
      })
      .withResponse();
    assert.equal(short.response.headers.get('x-tresor-token-estimate'), 'true');
    assert.equal(long.response.headers.get('x-tresor-token-estimate'), 'true');
    assert.ok(short.data.input_tokens > 0 && short.data.input_tokens < 20, `short estimate ${short.data.input_tokens}`);
    assert.ok(long.data.input_tokens > short.data.input_tokens + 20, `long estimate ${long.data.input_tokens}`);
    assert.equal(mock.requests.length, before, 'no downstream call');
  });

  test('gemini countTokens, Gemini downstream: forwarded natively', async () => {
    const before = mock.requests.length;
    const r = await gemini().models.countTokens({ model: 'my-gemini', contents: 'How many tokens is this sentence?' });
    assert.equal(r.totalTokens, MOCK_TOKEN_COUNT.gemini);
    const sent = mock.requests.slice(before);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].path, '/v1beta/models/gemini-2.5-flash:countTokens');
    assert.deepEqual(sent[0].problems, []);
    assert.equal(sent[0].headers['x-goog-api-key'], 'key-gemini-0001');
  });

  test('gemini countTokens with a generateContentRequest: its model is the downstream’s', async () => {
    const before = mock.requests.length;
    const r = await fetch(`${gw.url}/v1beta/models/my-gemini:countTokens`, {
      method: 'POST',
      headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({
        generateContentRequest: {
          model: 'models/my-gemini',
          contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
          systemInstruction: { parts: [{ text: 'Be brief.' }] },
        },
      }),
    });
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { totalTokens: number }).totalTokens, MOCK_TOKEN_COUNT.gemini);
    const sent = mock.requests.slice(before)[0];
    assert.equal((sent.body.generateContentRequest as { model: string }).model, 'models/gemini-2.5-flash');
  });

  test('gemini countTokens, Anthropic downstream: a local estimate, marked as one', async () => {
    const before = mock.requests.length;
    const r = await gemini().models.countTokens({ model: 'gemini-on-anthropic', contents: 'Please explain how tides work, with the role of the moon.' });
    assert.ok(r.totalTokens! > 5 && r.totalTokens! < 40, `estimate ${r.totalTokens}`);
    const raw = await fetch(`${gw.url}/v1beta/models/gemini-on-anthropic:countTokens?key=${KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
    });
    assert.equal(raw.status, 200);
    assert.equal(raw.headers.get('x-tresor-token-estimate'), 'true');
    assert.equal(mock.requests.length, before, 'no downstream call');
  });

  test('a model no downstream serves is estimated, never a 404', async () => {
    const a = await anthropic()
      .messages.countTokens({ model: 'claude-unknown-9', messages: [{ role: 'user', content: 'Hello there' }] })
      .withResponse();
    assert.ok(a.data.input_tokens > 0);
    assert.equal(a.response.headers.get('x-tresor-token-estimate'), 'true');
    const g = await gemini().models.countTokens({ model: 'gemini-unknown-9', contents: 'Hello there' });
    assert.ok(g.totalTokens! > 0);
  });

  test('a downstream error on a forwarded count reaches the client in its own shape', async () => {
    const r = await fetch(`${gw.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'my-claude', messages: [] }),
    });
    assert.equal(r.status, 400);
    const body = (await r.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.match(body.error.message, /messages: Field required/, 'the provider’s message is kept');
  });

  test('counting needs the proxy key like everything else', async () => {
    const r = await fetch(`${gw.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': 'wrong', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'my-claude', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    assert.equal(r.status, 401);
  });
});

// ------------------------------------------------------------------ model listing
const LISTED = ['my-claude', 'my-gemini', 'claude-on-openai', 'gemini-on-anthropic', 'claude-on-multi', 'gpt-4o', ...FORMAT_IDS.map((f) => `stream-via-${f}`)];
const OUTPUT_MODELS = ['gpt-4o-mini', 'claude-sonnet-4-20250514', 'gemini-2.5-flash', 'gpt-5', 'multi-model'];

function assertEveryModelOnce(ids: string[]): void {
  assert.deepEqual([...ids].sort(), [...new Set([...LISTED, ...OUTPUT_MODELS])].sort());
  assert.ok(!ids.includes('claude-.*-latest'), 'regex aliases are not listed');
  assert.ok(!ids.includes('hidden-model'), 'disabled downstreams’ models are not listed');
}

describe('model listing', () => {
  test('openai SDK: models.list() in OpenAI’s shape, models.retrieve()', async () => {
    const ids: string[] = [];
    for await (const m of openai().models.list()) {
      assert.equal(m.object, 'model');
      assert.equal(typeof m.created, 'number');
      assert.ok(m.owned_by);
      ids.push(m.id);
    }
    assertEveryModelOnce(ids);
    const one = await openai().models.retrieve('my-claude');
    assert.equal(one.id, 'my-claude');
    assert.equal(one.owned_by, 'ds-anthropic');
    await assert.rejects(openai().models.retrieve('no-such-model'), (e: unknown) => e instanceof OpenAI.NotFoundError);
  });

  test('anthropic SDK: models.list() in Anthropic’s shape (anthropic-version), models.retrieve()', async () => {
    const ids: string[] = [];
    for await (const m of anthropic().models.list()) {
      assert.equal(m.type, 'model');
      assert.ok(m.display_name);
      assert.ok(!Number.isNaN(Date.parse(m.created_at)));
      ids.push(m.id);
    }
    assertEveryModelOnce(ids);
    const one = await anthropic().models.retrieve('gemini-2.5-flash');
    assert.equal(one.id, 'gemini-2.5-flash');
    assert.equal(one.type, 'model');
    await assert.rejects(anthropic().models.retrieve('no-such-model'), (e: unknown) => e instanceof Anthropic.NotFoundError);
  });

  test('gemini SDK: models.list() from /v1beta/models, models.get()', async () => {
    const names: string[] = [];
    for await (const m of await gemini().models.list()) {
      assert.ok(m.supportedActions?.includes('generateContent'), `${m.name} supports generateContent`);
      names.push(m.name!);
    }
    assert.ok(names.every((n) => n.startsWith('models/')));
    assertEveryModelOnce(names.map((n) => n.slice('models/'.length)));
    const one = await gemini().models.get({ model: 'my-gemini' });
    assert.equal(one.name, 'models/my-gemini');
    await assert.rejects(gemini().models.get({ model: 'no-such-model' }), /404|not served/);
  });

  test('raw shapes: OpenAI list object; Anthropic paging fields; Gemini by header on /v1/models too', async () => {
    const o = (await (await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { object: string; data: unknown[] };
    assert.equal(o.object, 'list');
    const a = (await (await fetch(`${gw.url}/v1/models`, { headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' } })).json()) as Record<
      string,
      unknown
    >;
    assert.equal(a.has_more, false);
    assert.equal(a.first_id, (a.data as { id: string }[])[0].id);
    const g = (await (await fetch(`${gw.url}/v1/models/my-gemini`, { headers: { 'x-goog-api-key': KEY } })).json()) as Record<string, unknown>;
    assert.equal(g.name, 'models/my-gemini', 'a Gemini client on /v1 gets Gemini’s shape');
    const unauth = await fetch(`${gw.url}/v1/models`);
    assert.equal(unauth.status, 401);
  });
});

// ------------------------------------------------------------------ Gemini JSON-array streaming
type GeminiChunk = {
  candidates?: { content?: { parts?: { text?: string }[] }; finishReason?: string }[];
  usageMetadata?: Record<string, number>;
  error?: { code: number; message: string; status: string };
};

async function streamArray(model: string, query = ''): Promise<{ status: number; type: string | null; text: string }> {
  const r = await fetch(`${gw.url}/v1beta/models/${model}:streamGenerateContent${query}`, {
    method: 'POST',
    headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Count to five' }] }] }),
  });
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
}

function textOf(chunks: GeminiChunk[]): string {
  return chunks.map((c) => (c.candidates?.[0]?.content?.parts ?? []).map((p) => p.text ?? '').join('')).join('');
}

describe('gemini streamGenerateContent without alt=sse: one JSON array, streamed', () => {
  for (const ds of FORMAT_IDS) {
    test(`${ds} downstream${ds === 'gemini' ? ' (pass-through)' : ''}: a valid array of chunks; the downstream was asked for SSE`, async () => {
      mock.respond((r) => ({ model: String(r.body.model ?? 'up'), text: 'one two three four five', usage: { input: 7, output: 5 } }));
      const before = mock.requests.length;
      const r = await streamArray(`stream-via-${ds}`);
      assert.equal(r.status, 200, r.text);
      assert.match(r.type ?? '', /^application\/json/);
      assert.ok(r.text.startsWith('['), 'an array');
      const chunks = JSON.parse(r.text) as GeminiChunk[];
      assert.ok(chunks.length > 2, `streamed in ${chunks.length} chunks`);
      assert.equal(textOf(chunks), 'one two three four five');
      const last = chunks[chunks.length - 1];
      assert.equal(last.candidates?.[0]?.finishReason, 'STOP');
      assert.equal(last.usageMetadata?.promptTokenCount, 7);
      const sent = mock.requests.slice(before).find((x) => x.format === ds)!;
      assert.deepEqual(sent.problems, []);
      assert.equal(sent.stream, true, 'streamed upstream');
      if (ds === 'gemini') assert.match(sent.url, /:streamGenerateContent\?alt=sse$/);
    });
  }

  test('with alt=sse a Gemini pass-through stays SSE, bytes untouched', async () => {
    const rendered = MOCKS.gemini.renderReply({ model: 'gemini-2.5-flash', text: 'one two three' }, true);
    mock.respond(() => ({ raw: rendered }));
    const r = await streamArray('stream-via-gemini', '?alt=sse');
    assert.match(r.type ?? '', /^text\/event-stream/);
    assert.equal(r.text, (rendered.body as string[]).join(''));
  });

  for (const ds of ['gemini', 'anthropic'] as FormatId[]) {
    test(`${ds} downstream: array elements reach the client while the downstream is still sending`, async () => {
      const full = MOCKS[ds].renderReply({ model: 'up', text: 'alpha beta gamma delta epsilon', chunks: 5 }, true);
      const frames = full.body as string[];
      // the first content frames, then the downstream goes quiet without ending the stream
      const firstText = frames.findIndex((f) => f.includes('alpha'));
      mock.respond(() => ({ raw: { ...full, body: frames.slice(0, firstText + 2), hang: true } }));
      const ctl = new AbortController();
      const r = await fetch(`${gw.url}/v1beta/models/stream-via-${ds}:streamGenerateContent`, {
        method: 'POST',
        headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Go' }] }] }),
        signal: ctl.signal,
      });
      assert.equal(r.status, 200);
      const reader = r.body!.getReader();
      let seen = '';
      while (!seen.includes('beta')) {
        const { value, done } = await reader.read();
        assert.ok(!done, 'the array must not end while the downstream is still open');
        seen += new TextDecoder().decode(value);
      }
      assert.ok(seen.startsWith('[{'), seen);
      assert.ok(!seen.includes(']', seen.lastIndexOf('}')), 'the array is still open');
      ctl.abort();
      await reader.cancel().catch(() => undefined);
    });
  }

  test('a mid-stream error ends the array with Google’s error element; still valid JSON', async () => {
    mock.respond((r) => ({ model: String(r.body.model ?? 'up'), text: 'one two three four five six', errorAfter: 2 }));
    for (const ds of ['gemini', 'openai'] as FormatId[]) {
      const r = await streamArray(`stream-via-${ds}`);
      assert.equal(r.status, 200);
      const chunks = JSON.parse(r.text) as GeminiChunk[];
      const last = chunks[chunks.length - 1];
      assert.ok(last.error, `${ds}: the last element is an error: ${r.text}`);
      assert.ok(last.error.code >= 500 || last.error.code === 429, `status ${last.error.code}`);
      assert.ok(!chunks.some((c) => c.candidates?.[0]?.finishReason === 'STOP'), 'no normal finish after a failure');
    }
  });

  test('an error before the first byte is a plain HTTP error in Gemini’s shape', async () => {
    mock.respond(() => ({ error: { status: 429, message: 'Resource has been exhausted', retryAfter: '9' } }));
    const r = await streamArray('stream-via-gemini');
    assert.equal(r.status, 429);
    const body = JSON.parse(r.text) as GeminiChunk;
    assert.equal(body.error?.code, 429);
    assert.match(body.error?.message ?? '', /exhausted/);
  });
});

// ------------------------------------------------------------------ previous_response_id
describe('previous_response_id', () => {
  for (const stream of [false, true]) {
    test(`to a downstream that keeps no conversation state: a clear 400, nothing sent (${stream ? 'stream' : 'non-stream'})`, async () => {
      const before = mock.requests.length;
      await assert.rejects(openai().responses.create({ model: 'my-claude', previous_response_id: 'resp_abc123', input: 'And then?', stream }), (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError, String(e));
        assert.match(e.message, /previous_response_id/);
        assert.match(e.message, /ds-anthropic/, 'names the downstream');
        assert.equal((e.error as { param?: string } | undefined)?.param, 'previous_response_id');
        return true;
      });
      assert.equal(mock.requests.length, before);
    });
  }

  test('to a Responses downstream: forwarded', async () => {
    mock.respond((r) => ({ model: String(r.body.model ?? 'up'), text: 'Continuing.' }));
    const before = mock.requests.length;
    const r = await openai().responses.create({ model: 'gpt-5', previous_response_id: 'resp_abc123', input: 'And then?' });
    assert.equal(r.output_text, 'Continuing.');
    const sent = mock.requests.slice(before)[0];
    assert.deepEqual(sent.problems, []);
    assert.equal(sent.body.previous_response_id, 'resp_abc123');
  });
});
