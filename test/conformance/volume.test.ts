/**
 * Sizes and concurrency: a 1 MiB prompt, a 200-chunk stream, 50 concurrent streams each with
 * its own content, and same-format pass-through that leaves bytes untouched.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

let mock: MockProvider;
let gw: TestDaemon;

before(async () => {
  mock = await startMockProvider();
  gw = await startTestDaemon({
    downstreams: [
      { id: 'claude', api_formats: ['anthropic'], base_url: mock.url, api_key: 'sk-ant-test-1234', output_model_ids: ['claude-x'] },
      { id: 'oai', api_formats: ['openai'], base_url: `${mock.url}/v1`, api_key: 'sk-oai-test-1234', output_model_ids: ['gpt-x'] },
    ],
    aliases: [{ input_model_id: 'renamed', options: [{ id: 'r1', downstream_id: 'oai', output_model_id: 'gpt-x' }] }],
  });
});
after(async () => {
  await gw.close();
  await mock.close();
});

test('a 1 MiB prompt goes through intact (OpenAI app → Anthropic)', async () => {
  const big = 'abcdefghij'.repeat(104_858);
  mock.respond(() => ({ model: 'claude-x', text: 'received' }));
  const n0 = mock.requests.length;
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
  const r = await client.chat.completions.create({ model: 'claude-x', messages: [{ role: 'user', content: big }] });
  assert.equal(r.choices[0].message.content, 'received');
  const sent = mock.requests[n0].body as { messages: { content: { text: string }[] }[] };
  assert.equal(sent.messages[0].content.map((c) => c.text).join(''), big);
});

test('a 200-chunk stream arrives complete and in order (Anthropic app → OpenAI)', async () => {
  const words = Array.from({ length: 200 }, (_, i) => `w${i}`);
  mock.respond(() => ({ model: 'gpt-x', text: words.join(' ') }));
  const client = new Anthropic({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
  let deltas = 0;
  let text = '';
  const s = client.messages.stream({ model: 'gpt-x', max_tokens: 1000, messages: [{ role: 'user', content: 'count' }] });
  s.on('text', (t) => {
    deltas++;
    text += t;
  });
  const final = await s.finalMessage();
  assert.equal(text, words.join(' '));
  assert.equal(deltas, 200);
  assert.equal(final.stop_reason, 'end_turn');
});

test('50 concurrent streams each get their own content', async () => {
  mock.respond((r) => {
    const msgs = (r.body as { messages: { content: { text: string }[] | string }[] }).messages;
    const c = msgs[0].content;
    const ask = typeof c === 'string' ? c : c.map((x) => x.text).join('');
    return { model: 'claude-x', text: `answer to ${ask} ${ask} ${ask}` };
  });
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
  const results = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      let t = '';
      for await (const c of await client.chat.completions.create({ model: 'claude-x', stream: true, messages: [{ role: 'user', content: `q${i}` }] }))
        t += c.choices[0]?.delta?.content ?? '';
      return t;
    }),
  );
  results.forEach((t, i) => assert.equal(t, `answer to q${i} q${i} q${i}`));
});

test('same-format pass-through: the body is not re-serialized, only the model is replaced when an alias renames it', async () => {
  mock.respond(() => ({ model: 'gpt-x', text: 'ok' }));
  const raw = '{"model":"gpt-x",  "messages":[{"role":"user","content":"keep   my  spacing"}], "metadata":{"k":"v"},"store":false}';
  const n0 = mock.requests.length;
  const r = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
  assert.equal(r.status, 200);
  const sent = mock.requests[n0];
  assert.deepEqual(sent.body, JSON.parse(raw), 'unknown provider fields are passed through');
  const r2 = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw.replace('"gpt-x"', '"renamed"'),
  });
  assert.equal(r2.status, 200);
  assert.equal((mock.requests[n0 + 1].body as { model: string }).model, 'gpt-x');
});

test('same-format stream is piped byte for byte', async () => {
  const frames = [
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{"role":"assistant","content":"hi"},"finish_reason":null}],"x_vendor":{"a":1}}\n\n',
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
    'data: [DONE]\n\n',
  ];
  mock.respond(() => ({ raw: { status: 200, headers: { 'content-type': 'text/event-stream' }, body: frames } }));
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-x', stream: true, messages: [{ role: 'user', content: 'x' }] }),
  });
  assert.equal(await r.text(), frames.join(''));
});
