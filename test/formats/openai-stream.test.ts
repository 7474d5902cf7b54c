import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { openaiFormat } from '../../src/formats/openai/index.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import type { Request, StreamEvent } from '../../src/ir/types.js';
import { SseReader } from '../../src/util/sse.js';
import { fixtureChunks, fixtureManifest, frameStream } from '../helpers/fixtures.js';

const store = new ReasoningStore();

/** Deterministic PRNG (mulberry32) so random byte splits are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Feed wire text through SseReader (split at random byte offsets) into a fresh decoder. */
function decodeWire(wire: string, seed: number): StreamEvent[] {
  const bytes = Buffer.from(wire, 'utf8');
  const rand = rng(seed);
  const reader = new SseReader();
  const decoder = openaiFormat.createStreamDecoder({ reasoningStore: store });
  const events: StreamEvent[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const n = 1 + Math.floor(rand() * 40);
    for (const ev of reader.pushBytes(bytes.subarray(pos, pos + n))) events.push(...decoder.push(ev));
    pos += n;
  }
  for (const ev of reader.end()) events.push(...decoder.push(ev));
  events.push(...decoder.end());
  return events;
}

interface Collected {
  start?: Extract<StreamEvent, { type: 'start' }>;
  text: string;
  reasoning: string;
  calls: { id: string; name: string; args: string }[];
  finish?: Extract<StreamEvent, { type: 'finish' }>;
  error?: Extract<StreamEvent, { type: 'error' }>;
  lastUsage?: StreamEvent;
}

/** Fold hub events, checking the hub's ordering contract on the way. */
function collect(events: StreamEvent[]): Collected {
  const c: Collected = { text: '', reasoning: '', calls: [] };
  assert.equal(events[0]?.type, 'start', 'start comes first');
  const terminal = events.filter((e) => e.type === 'finish' || e.type === 'error');
  assert.equal(terminal.length, 1, 'exactly one terminal event');
  assert.equal(events[events.length - 1], terminal[0], 'terminal event is last');
  for (const e of events) {
    if (e.type === 'start') c.start = e;
    else if (e.type === 'text') c.text += e.text;
    else if (e.type === 'reasoning') {
      c.reasoning += e.text ?? '';
      assert.equal(e.family, 'openai');
    } else if (e.type === 'tool_call') {
      if (e.index === c.calls.length) {
        assert.ok(e.id && e.name, 'first event of an index carries id and name');
        c.calls.push({ id: e.id, name: e.name, args: e.argumentsDelta ?? '' });
      } else {
        assert.equal(e.id, undefined);
        c.calls[e.index].args += e.argumentsDelta ?? '';
      }
    } else if (e.type === 'usage') c.lastUsage = e;
    else if (e.type === 'finish') c.finish = e;
    else if (e.type === 'error') c.error = e;
  }
  return c;
}

function fixtureText(chunks: Record<string, unknown>[], field: 'content' | 'reasoning_content'): string {
  let s = '';
  for (const ch of chunks) {
    const choices = ch.choices as { delta?: Record<string, unknown> }[];
    const v = choices[0]?.delta?.[field];
    if (typeof v === 'string') s += v;
  }
  return s;
}

// ------------------------------------------------------------ recorded streams

test('every recorded openai stream decodes (random byte splits)', () => {
  const files = fixtureManifest().filter((e) => e.format === 'openai' && e.streaming);
  assert.equal(files.length, 5);
  for (const f of files) {
    const chunks = fixtureChunks(f.file);
    for (let seed = 1; seed <= 5; seed++) {
      const c = collect(decodeWire(frameStream('openai', chunks), seed));
      assert.equal(c.text, fixtureText(chunks, 'content'), f.file);
      assert.equal(c.reasoning, fixtureText(chunks, 'reasoning_content'), f.file);
      assert.ok(c.finish, f.file);
      assert.equal(c.start?.id, chunks[0].id);
      assert.equal(c.start?.model, chunks[0].model);
    }
  }
});

test('openai-text stream: text, stop, usage chunk after the finish chunk', () => {
  const chunks = fixtureChunks('openai/openai-text.chunks.txt');
  const c = collect(decodeWire(frameStream('openai', chunks), 42));
  assert.ok(c.text.startsWith('**Holiday Name:** Harmony Day\n\n**Date:** Celebrated annually'));
  assert.ok(c.text.endsWith('shared human experiences and mutual respect.'));
  assert.equal(c.finish?.finishReason, 'stop');
  assert.equal(c.finish?.rawFinishReason, 'stop');
  assert.deepEqual(c.finish?.usage, { inputTokens: 16, outputTokens: 300, cacheReadTokens: 0, reasoningTokens: 0 });
});

test('deepseek-reasoning stream: reasoning_content then content, usage on the finish chunk', () => {
  const c = collect(decodeWire(frameStream('openai', fixtureChunks('openai/deepseek-reasoning.chunks.txt')), 7));
  assert.ok(c.reasoning.startsWith('We need to count the number of the letter "r" in the word "s'));
  assert.equal(c.text, 'The word "strawberry" contains three "r"s.');
  assert.equal(c.finish?.finishReason, 'stop');
  assert.deepEqual(c.finish?.usage, { inputTokens: 18, outputTokens: 219, cacheReadTokens: 0, reasoningTokens: 205 });
});

test('xai stream: reasoning, whole tool call in one delta, reasoning tokens added to output', () => {
  const c = collect(decodeWire(frameStream('openai', fixtureChunks('openai/xai-tool-call.chunks.txt')), 3));
  assert.ok(c.reasoning.startsWith('First, the user is asking about the weather in San Francisco'));
  assert.equal(c.text, '');
  assert.equal(c.calls.length, 1);
  assert.equal(c.calls[0].id, 'call_79382389');
  assert.equal(c.calls[0].name, 'weather');
  assert.deepEqual(JSON.parse(c.calls[0].args), { location: 'San Francisco' });
  assert.equal(c.finish?.finishReason, 'tool_calls');
  // xAI: completion_tokens 26 leaves out reasoning_tokens 227 (total 560 = 307 + 26 + 227)
  assert.deepEqual(c.finish?.usage, { inputTokens: 307, outputTokens: 253, cacheReadTokens: 306, reasoningTokens: 227 });
});

test('groq stream: no-args tool call, usage on the finish chunk', () => {
  const c = collect(decodeWire(frameStream('openai', fixtureChunks('openai/groq-tool-call.chunks.txt')), 9));
  assert.deepEqual(c.calls, [{ id: 'tk85n1k4m', name: 'weather', args: '{}' }]);
  assert.equal(c.finish?.finishReason, 'tool_calls');
  assert.deepEqual(c.finish?.usage, { inputTokens: 210, outputTokens: 15 });
});

test('alibaba stream: argument fragments, id "" on later fragments, trailing empty delta, usage chunk', () => {
  const c = collect(decodeWire(frameStream('openai', fixtureChunks('openai/alibaba-tool-call.chunks.txt')), 11));
  assert.equal(c.calls.length, 1);
  assert.equal(c.calls[0].id, 'call_eee11723464a4b9eb8cee71d');
  assert.equal(c.calls[0].name, 'weather');
  assert.deepEqual(JSON.parse(c.calls[0].args), { location: 'San Francisco' });
  assert.equal(c.finish?.finishReason, 'tool_calls');
  assert.deepEqual(c.finish?.usage, { inputTokens: 295, outputTokens: 22, cacheReadTokens: 0 });
});

test('stream end handling: no [DONE] after a finish is fine, truncation is an error, error chunk', () => {
  const chunks = fixtureChunks('openai/alibaba-tool-call.chunks.txt');
  const noDone = frameStream('openai', chunks).replace('data: [DONE]\n\n', '');
  const a = collect(decodeWire(noDone, 1));
  assert.equal(a.finish?.finishReason, 'tool_calls');
  assert.equal(a.finish?.usage?.inputTokens, 295);

  const cut = frameStream('openai', fixtureChunks('openai/openai-text.chunks.txt').slice(0, 50));
  const b = collect(decodeWire(cut.replace('data: [DONE]\n\n', ''), 2));
  assert.equal(b.error?.error.status, 502);
  assert.match(b.error?.error.message ?? '', /ended before/);

  const err =
    'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n' +
    'data: {"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}\n\n';
  const c = collect(decodeWire(err, 3));
  assert.equal(c.text, 'Hi');
  assert.equal(c.error?.error.status, 429);
  assert.equal(c.error?.error.kind, 'rate_limit');
  assert.equal(c.error?.error.message, 'Rate limit reached');
});

test('stream decoder: name-less first fragment, missing index, parallel calls, legacy function_call', () => {
  const frames = [
    { id: 'a', model: 'm', choices: [{ index: 0, delta: { role: 'assistant' } }] },
    { id: 'a', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c1', function: { arguments: '{"x"' } }] } }] },
    { id: 'a', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: 'f', arguments: ':1}' } }] } }] },
    { id: 'a', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'c2', type: 'function', function: { name: 'g', arguments: '' } }] } }] },
    { id: 'a', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 1, function: { arguments: '{}' } }] } }] },
    // same index reused with a new id: a third call
    { id: 'a', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'c3', function: { name: 'h', arguments: '{"y"' } }] } }] },
    { id: 'a', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 1, function: { arguments: ':2}' } }] } }] },
    { id: 'a', model: 'm', choices: [{ index: 1, delta: { content: 'other choice, ignored' } }] },
    { id: 'a', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
  ];
  const wire = frames.map((f) => `data: ${JSON.stringify(f)}\n\n`).join('') + 'data: [DONE]\n\n';
  const c = collect(decodeWire(wire, 5));
  assert.deepEqual(c.calls, [
    { id: 'c1', name: 'f', args: '{"x":1}' },
    { id: 'c2', name: 'g', args: '{}' },
    { id: 'c3', name: 'h', args: '{"y":2}' },
  ]);
  assert.equal(c.text, '');
  assert.equal(c.finish?.finishReason, 'tool_calls', 'stop with tool calls is a tool stop');

  // servers that omit `index`: a new id opens a call, id-less fragments continue the last one
  const noIndex = [
    { id: 'n', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ id: 'k1', function: { name: 'f', arguments: '{"a"' } }] } }] },
    { id: 'n', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ function: { arguments: ':1}' } }] } }] },
    { id: 'n', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ id: 'k2', function: { name: 'g', arguments: '{}' } }] } }] },
    { id: 'n', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
  ];
  const ni = collect(decodeWire(noIndex.map((f) => `data: ${JSON.stringify(f)}\n\n`).join('') + 'data: [DONE]\n\n', 8));
  assert.deepEqual(ni.calls, [
    { id: 'k1', name: 'f', args: '{"a":1}' },
    { id: 'k2', name: 'g', args: '{}' },
  ]);

  const legacy = [
    { id: 'b', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', function_call: { name: 'lookup', arguments: '' } } }] },
    { id: 'b', model: 'm', choices: [{ index: 0, delta: { function_call: { arguments: '{"q":1}' } } }] },
    { id: 'b', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'function_call' }] },
  ];
  const l = collect(decodeWire(legacy.map((f) => `data: ${JSON.stringify(f)}\n\n`).join('') + 'data: [DONE]\n\n', 6));
  assert.equal(l.calls.length, 1);
  assert.equal(l.calls[0].name, 'lookup');
  assert.equal(l.calls[0].args, '{"q":1}');
  assert.ok(l.calls[0].id.startsWith('call_'));
  assert.equal(l.finish?.finishReason, 'tool_calls');
});

// ------------------------------------------------------------ encoder

function clientRequest(over: Record<string, unknown> = {}): Request {
  return openaiFormat.decodeRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true, ...over }, {});
}

function encodeAll(events: StreamEvent[], request: Request, model = 'gpt-4o'): string {
  const enc = openaiFormat.createStreamEncoder({ model, request, reasoningStore: store });
  return events.map((e) => enc.push(e)).join('');
}

const richEvents: StreamEvent[] = [
  { type: 'start', id: 'msg_01XYZ', model: 'claude-sonnet-4' },
  { type: 'reasoning', text: 'Thinking about ', family: 'anthropic' },
  { type: 'reasoning', text: 'weather.', family: 'anthropic' },
  { type: 'reasoning', signature: 'EqQBCkYI', family: 'anthropic' },
  { type: 'text', text: 'Let me check ' },
  { type: 'text', text: 'both cities.' },
  { type: 'tool_call', index: 0, id: 'toolu_A', name: 'weather', argumentsDelta: '' },
  { type: 'tool_call', index: 0, argumentsDelta: '{"city":' },
  { type: 'tool_call', index: 0, argumentsDelta: '"Paris"}' },
  { type: 'tool_call', index: 1, id: 'toolu_B', name: 'weather', argumentsDelta: '{"city":"Rome"}' },
  { type: 'usage', usage: { inputTokens: 50 } },
  {
    type: 'finish',
    finishReason: 'tool_calls',
    rawFinishReason: 'tool_use',
    usage: { inputTokens: 50, outputTokens: 30, cacheReadTokens: 20, reasoningTokens: 5 },
  },
];

test('encoder: exact OpenAI chunk sequence with include_usage', () => {
  const wire = encodeAll(richEvents, clientRequest({ stream_options: { include_usage: true } }));
  const frames = wire.split('\n\n').filter(Boolean);
  assert.ok(frames.every((f) => f.startsWith('data: ')));
  assert.equal(frames[frames.length - 1], 'data: [DONE]');
  const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.slice(6)));
  for (const ch of chunks) {
    assert.equal(ch.id, 'chatcmpl-msg_01XYZ');
    assert.equal(ch.object, 'chat.completion.chunk');
    assert.equal(ch.model, 'gpt-4o');
    assert.equal(typeof ch.created, 'number');
  }
  assert.deepEqual(chunks[0].choices, [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]);
  assert.equal(chunks[0].usage, null);
  const deltas = chunks.slice(1, -2).map((c) => c.choices[0].delta);
  assert.deepEqual(deltas, [
    { reasoning_content: 'Thinking about ' },
    { reasoning_content: 'weather.' },
    { content: 'Let me check ' },
    { content: 'both cities.' },
    { tool_calls: [{ index: 0, id: 'toolu_A', type: 'function', function: { name: 'weather', arguments: '' } }] },
    { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
    { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
    { tool_calls: [{ index: 1, id: 'toolu_B', type: 'function', function: { name: 'weather', arguments: '' } }] },
    { tool_calls: [{ index: 1, function: { arguments: '{"city":"Rome"}' } }] },
  ]);
  const fin = chunks[chunks.length - 2];
  assert.deepEqual(fin.choices, [{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }]);
  assert.equal(fin.usage, null);
  const usage = chunks[chunks.length - 1];
  assert.deepEqual(usage.choices, []);
  assert.deepEqual(usage.usage, {
    prompt_tokens: 50,
    completion_tokens: 30,
    total_tokens: 80,
    prompt_tokens_details: { cached_tokens: 20 },
    completion_tokens_details: { reasoning_tokens: 5 },
  });
});

test('encoder: without include_usage there is no usage key and no usage chunk', () => {
  const wire = encodeAll(richEvents, clientRequest());
  const chunks = wire
    .split('\n\n')
    .filter((f) => f && f !== 'data: [DONE]')
    .map((f) => JSON.parse(f.slice(6)));
  assert.ok(chunks.every((c) => !('usage' in c)));
  assert.ok(chunks.every((c) => c.choices.length === 1));
  assert.ok(wire.endsWith('data: [DONE]\n\n'));
});

test('encoder: finish without start, content before start, error ends without [DONE]', () => {
  const onlyFinish = encodeAll([{ type: 'finish', finishReason: 'stop' }], clientRequest());
  const frames = onlyFinish.split('\n\n').filter(Boolean);
  assert.equal(frames.length, 3);
  assert.equal(JSON.parse(frames[0].slice(6)).choices[0].delta.role, 'assistant');
  assert.equal(JSON.parse(frames[1].slice(6)).choices[0].finish_reason, 'stop');
  assert.ok(JSON.parse(frames[0].slice(6)).id.startsWith('chatcmpl-'));

  const early = encodeAll(
    [
      { type: 'text', text: 'x' },
      { type: 'start', id: 'late', model: 'm' },
      { type: 'finish', finishReason: 'length' },
    ],
    clientRequest(),
  );
  const ef = early
    .split('\n\n')
    .filter(Boolean)
    .map((f) => f);
  assert.equal(ef.filter((f) => f.includes('"role":"assistant"')).length, 1);
  assert.ok(early.includes('"finish_reason":"length"'));

  const errWire = encodeAll(
    [
      { type: 'start', id: 'x', model: 'm' },
      { type: 'text', text: 'partial' },
      { type: 'error', error: { status: 502, kind: 'upstream', message: 'Downstream stream ended early' } },
      { type: 'finish', finishReason: 'stop' },
    ],
    clientRequest({ stream_options: { include_usage: true } }),
  );
  assert.ok(!errWire.includes('[DONE]'));
  assert.ok(!errWire.includes('finish_reason":"stop'));
  const last = errWire.split('\n\n').filter(Boolean).pop() ?? '';
  assert.deepEqual(JSON.parse(last.slice(6)), {
    error: { message: 'Downstream stream ended early', type: 'server_error', param: null, code: 'bad_gateway' },
  });
});

test('encoder → decoder round trip restores the hub events', () => {
  const wire = encodeAll(richEvents, clientRequest({ stream_options: { include_usage: true } }));
  for (let seed = 1; seed <= 3; seed++) {
    const c = collect(decodeWire(wire, seed));
    assert.equal(c.reasoning, 'Thinking about weather.');
    assert.equal(c.text, 'Let me check both cities.');
    assert.deepEqual(c.calls, [
      { id: 'toolu_A', name: 'weather', args: '{"city":"Paris"}' },
      { id: 'toolu_B', name: 'weather', args: '{"city":"Rome"}' },
    ]);
    assert.equal(c.finish?.finishReason, 'tool_calls');
    assert.deepEqual(c.finish?.usage, { inputTokens: 50, outputTokens: 30, cacheReadTokens: 20, reasoningTokens: 5 });
  }
  // a recorded stream decoded, re-encoded and decoded again keeps its content
  const chunks = fixtureChunks('openai/xai-tool-call.chunks.txt');
  const hub = decodeWire(frameStream('openai', chunks), 1);
  const again = collect(decodeWire(encodeAll(hub, clientRequest({ stream_options: { include_usage: true } })), 2));
  assert.equal(again.reasoning, fixtureText(chunks, 'reasoning_content'));
  assert.deepEqual(again.calls, [{ id: 'call_79382389', name: 'weather', args: '{"location":"San Francisco"}' }]);
  assert.equal(again.finish?.usage?.outputTokens, 253);
});

// ------------------------------------------------------------ official SDK

function sdkClient(body: string, contentType = 'text/event-stream'): OpenAI {
  return new OpenAI({
    apiKey: 'x',
    baseURL: 'http://localhost/v1',
    maxRetries: 0,
    fetch: async () => new Response(body, { headers: { 'content-type': contentType } }),
  });
}

test('official SDK: create({stream:true}) reads our chunks, usage and [DONE]', async () => {
  const wire = encodeAll(richEvents, clientRequest({ stream_options: { include_usage: true } }));
  const stream = await sdkClient(wire).chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let content = '';
  let reasoning = '';
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | null | undefined;
  const args: string[] = [];
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    content += choice.delta.content ?? '';
    reasoning += (choice.delta as { reasoning_content?: string }).reasoning_content ?? '';
    for (const tc of choice.delta.tool_calls ?? []) args[tc.index] = (args[tc.index] ?? '') + (tc.function?.arguments ?? '');
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  assert.equal(content, 'Let me check both cities.');
  assert.equal(reasoning, 'Thinking about weather.');
  assert.deepEqual(
    args.map((a) => JSON.parse(a)),
    [{ city: 'Paris' }, { city: 'Rome' }],
  );
  assert.equal(finish, 'tool_calls');
  assert.equal(usage?.prompt_tokens, 50);
  assert.equal(usage?.total_tokens, 80);
});

test('official SDK: chat.completions.stream() finalChatCompletion assembles tool calls', async () => {
  const wire = encodeAll(richEvents, clientRequest());
  const runner = sdkClient(wire).chat.completions.stream({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'hi' }],
    tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
  });
  const done: string[] = [];
  runner.on('tool_calls.function.arguments.done', (e) => done.push(e.arguments));
  const final = await runner.finalChatCompletion();
  const msg = final.choices[0].message;
  assert.equal(final.id, 'chatcmpl-msg_01XYZ');
  assert.equal(final.choices[0].finish_reason, 'tool_calls');
  assert.equal(msg.content, 'Let me check both cities.');
  assert.deepEqual(
    msg.tool_calls?.map((t) => (t.type === 'function' ? [t.id, t.function.name, JSON.parse(t.function.arguments)] : [])),
    [
      ['toolu_A', 'weather', { city: 'Paris' }],
      ['toolu_B', 'weather', { city: 'Rome' }],
    ],
  );
  assert.deepEqual(done, ['{"city":"Paris"}', '{"city":"Rome"}']);
});

test('official SDK: a mid-stream error chunk raises APIError with our message', async () => {
  const wire = encodeAll(
    [
      { type: 'start', id: 'x', model: 'm' },
      { type: 'text', text: 'partial' },
      { type: 'error', error: { status: 429, kind: 'rate_limit', message: 'Rate limited downstream' } },
    ],
    clientRequest(),
  );
  const stream = await sdkClient(wire).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
  let text = '';
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })(),
    (e: unknown) => e instanceof OpenAI.APIError && e.message.includes('Rate limited downstream'),
  );
  assert.equal(text, 'partial');
});

test('official SDK: non-streaming create() parses encodeResponse output', async () => {
  const req = clientRequest({ stream: false });
  const body = openaiFormat.encodeResponse(
    {
      id: 'resp_1',
      model: 'x',
      parts: [
        { type: 'reasoning', text: 'r', family: 'gemini', signature: 's' },
        { type: 'text', text: 'Hello' },
      ],
      finishReason: 'stop',
      usage: { inputTokens: 3, outputTokens: 2 },
    },
    { model: 'gpt-4o', request: req, reasoningStore: store },
  );
  const res = await sdkClient(JSON.stringify(body), 'application/json').chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(res.choices[0].message.content, 'Hello');
  assert.equal((res.choices[0].message as { reasoning_content?: string }).reasoning_content, 'r');
  assert.equal(res.usage?.total_tokens, 5);
  assert.equal(res.model, 'gpt-4o');
});
