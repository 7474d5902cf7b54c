import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openaiFormat } from '../../src/formats/openai/index.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import type { Request, StreamEvent } from '../../src/ir/types.js';
import { SseReader } from '../../src/util/sse.js';
import { openaiMock } from '../mocks/openai.js';

const store = new ReasoningStore();
const upCtx = { model: 'gpt-4.1', autoCache: false, anthropicVersion: '2023-06-01', reasoningStore: store };
const AUTH = { authorization: 'Bearer sk-test', 'content-type': 'application/json' };
const URL_PATH = '/v1/chat/completions';

function richRequest(over: Partial<Request> = {}): Request {
  return {
    model: 'claude-sonnet-4',
    system: [{ text: 'You are helpful.', cacheControl: { type: 'ephemeral' } }, { text: 'Answer briefly.' }],
    messages: [
      {
        role: 'user',
        parts: [
          { type: 'text', text: 'Describe these and get the weather.' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' } },
          { type: 'document', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0x' }, filename: 'r.pdf' },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', text: 'I should call tools.', family: 'anthropic', signature: 'EqQBCkYI' },
          { type: 'reasoning', text: '', family: 'anthropic', redactedData: 'abc' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_call', id: 'toolu_01A', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'tool_call', id: 'toolu_01B', name: 'screenshot', arguments: '{}' },
        ],
      },
      {
        role: 'tool',
        parts: [
          { type: 'tool_result', toolCallId: 'toolu_01A', content: [{ type: 'text', text: 'Service down' }], isError: true },
          {
            type: 'tool_result',
            toolCallId: 'toolu_01B',
            content: [
              { type: 'text', text: 'Here it is' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/4AAQ' } },
            ],
          },
        ],
      },
      { role: 'assistant', parts: [{ type: 'text', text: 'The weather service is down; here is the screenshot.' }] },
      { role: 'user', parts: [{ type: 'text', text: 'Try again in JSON.' }] },
    ],
    tools: [
      {
        type: 'function',
        name: 'get_weather',
        description: 'Weather by city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
      { type: 'function', name: 'screenshot', parameters: { type: 'object', properties: {} } },
      { type: 'provider', format: 'anthropic', raw: { type: 'web_search_20250305', name: 'web_search' } },
    ],
    toolChoice: { type: 'auto' },
    parallelToolCalls: true,
    maxTokens: 2048,
    temperature: 0.7,
    topP: 0.95,
    topK: 40,
    stop: ['END'],
    seed: 42,
    responseFormat: { type: 'json_schema', name: 'weather', schema: { type: 'object', properties: { t: { type: 'number' } } }, strict: true },
    reasoning: { enabled: true, budgetTokens: 1500 },
    stream: true,
    user: 'end-user',
    extras: { anthropic_beta: ['x'], top_k: 40 },
    sourceFormat: 'anthropic',
    ...over,
  };
}

test('mock accepts what encodeRequest produces for a rich cross-format request', () => {
  for (const stream of [true, false]) {
    const body = openaiFormat.encodeRequest(richRequest({ stream }), upCtx);
    assert.deepEqual(openaiMock.validateRequest(body, AUTH, URL_PATH), [], JSON.stringify(body, null, 1));
  }
  // a Gemini client's upper-case schema types are fixed on the way
  const gem = openaiFormat.encodeRequest(
    richRequest({ sourceFormat: 'gemini', tools: [{ type: 'function', name: 'f', parameters: { type: 'OBJECT', properties: { a: { type: 'STRING' } } } }] }),
    upCtx,
  );
  assert.deepEqual(openaiMock.validateRequest(gem, AUTH, URL_PATH), []);
  // a reasoning model accepts it too (max_completion_tokens, not max_tokens)
  const o3 = openaiFormat.encodeRequest(richRequest(), { ...upCtx, model: 'o3-mini' });
  assert.deepEqual(openaiMock.validateRequest(o3, AUTH, URL_PATH), []);
});

test('mock accepts a same-format round trip of a full OpenAI client request', () => {
  const client = {
    model: 'gpt-4o',
    messages: [
      { role: 'developer', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'hi' },
          { type: 'image_url', image_url: { url: 'https://x.test/a.png', detail: 'low' } },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
      { role: 'user', content: 'thanks' },
    ],
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'integer' } } } } }],
    tool_choice: 'auto',
    max_tokens: 100,
    stream: true,
    stream_options: { include_usage: true },
    metadata: { run: '1' },
    store: false,
    logprobs: true,
    top_logprobs: 2,
  };
  const body = openaiFormat.encodeRequest(openaiFormat.decodeRequest(client, {}), { ...upCtx, model: 'gpt-4o' });
  assert.deepEqual(openaiMock.validateRequest(body, AUTH, URL_PATH), []);
});

test('mock rejects broken requests the way the real API does', () => {
  const good = openaiFormat.encodeRequest(richRequest(), upCtx);
  const messages = good.messages as Record<string, unknown>[];
  const cases: [string, Record<string, unknown>, Record<string, string>, RegExp][] = [
    ['no auth', good, { 'content-type': 'application/json' }, /API key/],
    ['x-api-key instead of bearer', good, { 'x-api-key': 'sk' }, /API key/],
    ['missing model', { ...good, model: undefined }, AUTH, /model/],
    ['missing messages', { ...good, messages: undefined }, AUTH, /messages/],
    ['empty messages', { ...good, messages: [] }, AUTH, /empty array/],
    ['invalid role', { ...good, messages: [{ role: 'human', content: 'x' }] }, AUTH, /Supported values/],
    ['anthropic top-level system', { ...good, system: 'x' }, AUTH, /Unrecognized request argument supplied: system/],
    ['top_k', { ...good, top_k: 5 }, AUTH, /top_k/],
    ['stop_sequences', { ...good, stop_sequences: ['x'] }, AUTH, /stop_sequences/],
    ['thinking', { ...good, thinking: { type: 'enabled', budget_tokens: 2000 } }, AUTH, /thinking/],
    ['anthropic_version', { ...good, anthropic_version: 'vertex-2023-10-16' }, AUTH, /anthropic_version/],
    ['both max fields', { ...good, max_tokens: 5 }, AUTH, /both/],
    ['max_tokens on a reasoning model', { ...good, model: 'o3', max_completion_tokens: undefined, max_tokens: 5 }, AUTH, /not supported with this model/],
    ['stream_options without stream', { ...good, stream: undefined }, AUTH, /stream_options/],
    [
      'tool message not answering a call',
      {
        ...good,
        messages: [
          { role: 'user', content: 'x' },
          { role: 'tool', tool_call_id: 'nope', content: 'r' },
        ],
      },
      AUTH,
      /preceeding message with 'tool_calls'/,
    ],
    [
      'unanswered tool call before the next user turn',
      {
        ...good,
        messages: [
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } },
              { id: 'b', type: 'function', function: { name: 'f', arguments: '{}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'a', content: 'r' },
          { role: 'user', content: 'y' },
        ],
      },
      AUTH,
      /did not have response messages: b/,
    ],
    [
      'image in a tool message',
      {
        ...good,
        messages: messages.map((m) => (m.role === 'tool' ? { ...m, content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] } : m)),
      },
      AUTH,
      /Supported values are: 'text'/,
    ],
    [
      'anthropic tool_use block',
      { ...good, messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'x', name: 'f', input: {} }] }] },
      AUTH,
      /'tool_use'/,
    ],
    ['anthropic tool_result block', { ...good, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x' }] }] }, AUTH, /'tool_result'/],
    [
      'anthropic thinking block',
      { ...good, messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'x', signature: 's' }] }] },
      AUTH,
      /'thinking'/,
    ],
    ['anthropic image block', { ...good, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64' } }] }] }, AUTH, /'image'/],
    [
      'cache_control on a part',
      { ...good, messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral' } }] }] },
      AUTH,
      /cache_control/,
    ],
    ['tool_choice without tools', { ...good, tools: undefined }, AUTH, /only allowed when 'tools'/],
    ['upper-case schema types', { ...good, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'OBJECT' } } }] }, AUTH, /OBJECT/],
    ['json_schema without name', { ...good, response_format: { type: 'json_schema', json_schema: { schema: {} } } }, AUTH, /json_schema.name/],
    ['bad reasoning_effort', { ...good, reasoning_effort: 'max' }, AUTH, /reasoning_effort/],
    [
      'tool call without id',
      { ...good, messages: [{ role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] }] },
      AUTH,
      /tool_calls\[0\].id/,
    ],
    [
      'arguments as object',
      {
        ...good,
        messages: [
          { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: {} } }] },
          { role: 'tool', tool_call_id: 'a', content: 'x' },
        ],
      },
      AUTH,
      /arguments/,
    ],
  ];
  for (const [name, body, headers, expected] of cases) {
    const errors = openaiMock.validateRequest(body, headers, URL_PATH);
    assert.ok(
      errors.some((e) => expected.test(e)),
      `${name}: ${JSON.stringify(errors)}`,
    );
  }
  assert.ok(openaiMock.validateRequest(good, AUTH, '/v1/messages').length > 0, 'wrong path');
});

function decodeFrames(frames: string[]): StreamEvent[] {
  const reader = new SseReader();
  const dec = openaiFormat.createStreamDecoder({ reasoningStore: store });
  const out: StreamEvent[] = [];
  for (const f of frames) for (const ev of reader.push(f)) out.push(...dec.push(ev));
  for (const ev of reader.end()) out.push(...dec.push(ev));
  out.push(...dec.end());
  return out;
}

test('mock replies decode through the format module (JSON and stream)', () => {
  const reply = {
    model: 'gpt-4.1',
    text: 'Hello there, friend.',
    reasoning: 'short thought',
    toolCalls: [{ id: 'call_abc', name: 'get_weather', arguments: { city: 'Paris' } }],
    usage: { input: 100, output: 40, cacheRead: 64, reasoning: 10 },
  };
  const json = openaiMock.renderReply(reply, false);
  assert.equal(json.status, 200);
  assert.equal(json.headers['content-type'], 'application/json');
  const res = openaiFormat.decodeResponse(JSON.parse(json.body as string), { reasoningStore: store });
  assert.ok(res.id.startsWith('chatcmpl-'));
  assert.deepEqual(res.parts, [
    { type: 'reasoning', text: 'short thought', family: 'openai' },
    { type: 'text', text: 'Hello there, friend.' },
    { type: 'tool_call', id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' },
  ]);
  assert.equal(res.finishReason, 'tool_calls');
  assert.deepEqual(res.usage, { inputTokens: 100, outputTokens: 40, cacheReadTokens: 64, reasoningTokens: 10 });

  const streamed = openaiMock.renderReply(reply, true);
  assert.match(streamed.headers['content-type'], /text\/event-stream/);
  const events = decodeFrames(streamed.body as string[]);
  const text = events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
  assert.equal(text, 'Hello there, friend.');
  const calls = events.filter((e) => e.type === 'tool_call');
  assert.equal(calls[0].type === 'tool_call' && calls[0].id, 'call_abc');
  const args = calls.map((e) => (e.type === 'tool_call' ? (e.argumentsDelta ?? '') : '')).join('');
  assert.deepEqual(JSON.parse(args), { city: 'Paris' });
  const fin = events[events.length - 1];
  assert.equal(fin.type, 'finish');
  if (fin.type === 'finish') {
    assert.equal(fin.finishReason, 'tool_calls');
    assert.equal(fin.usage?.inputTokens, 100);
  }

  const broken = openaiMock.renderReply({ model: 'm', text: 'one two three four', breakAfter: 2 }, true);
  assert.equal(broken.destroy, true);
  const be = decodeFrames(broken.body as string[]);
  assert.equal(be[be.length - 1].type, 'error');

  const failed = openaiMock.renderReply({ model: 'm', text: 'one two three four', errorAfter: 1 }, true);
  const fe = decodeFrames(failed.body as string[]);
  const last = fe[fe.length - 1];
  assert.equal(last.type, 'error');
  assert.ok(!(failed.body as string[]).some((f) => f.includes('[DONE]')));
});

test('mock errors decode with status, message and provider code', () => {
  const r = openaiMock.renderError({ status: 429, message: 'Rate limit reached for gpt-4.1', retryAfter: '7' });
  assert.equal(r.status, 429);
  assert.equal(r.headers['retry-after'], '7');
  const info = openaiFormat.decodeError(r.status, r.body as string);
  assert.equal(info.kind, 'rate_limit');
  assert.equal(info.message, 'Rate limit reached for gpt-4.1');
  assert.equal(info.providerType, 'rate_limit_exceeded');

  const q = openaiFormat.decodeError(429, openaiMock.renderError({ status: 429, message: 'quota', type: 'insufficient_quota' }).body as string);
  assert.equal(q.providerType, 'insufficient_quota');
  const nf = openaiFormat.decodeError(404, openaiMock.renderError({ status: 404, message: 'The model `x` does not exist' }).body as string);
  assert.equal(nf.kind, 'not_found');
  assert.equal(nf.providerType, 'model_not_found');
});
