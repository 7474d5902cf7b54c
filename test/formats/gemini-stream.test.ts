import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGeminiStreamEncoder, geminiFormat, geminiStreamContentType } from '../../src/formats/gemini/index.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import { SseReader } from '../../src/util/sse.js';
import type { Request, StreamEvent } from '../../src/ir/types.js';
import type { ClientResponseContext } from '../../src/formats/types.js';

function clientCtx(model = 'gemini-2.5-pro'): ClientResponseContext {
  const request: Request = { model, system: [], messages: [{ role: 'user', parts: [{ type: 'text', text: 'q' }] }], stream: true, sourceFormat: 'gemini' };
  return { model, request, reasoningStore: new ReasoningStore() };
}

function encodeAll(events: StreamEvent[], ctx = clientCtx()): string {
  const enc = geminiFormat.createStreamEncoder(ctx);
  return events.map((e) => enc.push(e)).join('');
}

function decodeAll(sse: string): StreamEvent[] {
  const reader = new SseReader();
  const dec = geminiFormat.createStreamDecoder({ reasoningStore: new ReasoningStore() });
  const out: StreamEvent[] = [];
  for (const ev of reader.push(sse)) out.push(...dec.push(ev));
  for (const ev of reader.end()) out.push(...dec.push(ev));
  out.push(...dec.end());
  return out;
}

function chunksOf(sse: string): Record<string, unknown>[] {
  assert.ok(sse.endsWith('\r\n\r\n'));
  return sse
    .split('\r\n\r\n')
    .filter(Boolean)
    .map((frame) => {
      assert.ok(frame.startsWith('data: '), `frame ${frame}`);
      return JSON.parse(frame.slice(6));
    });
}

const EVENTS: StreamEvent[] = [
  { type: 'start', id: 'resp-9', model: 'claude-sonnet-4-5', usage: { inputTokens: 50 } },
  { type: 'reasoning', text: 'Let me ', family: 'anthropic' },
  { type: 'reasoning', text: 'think.', family: 'anthropic' },
  { type: 'reasoning', signature: 'anthropic-sig', family: 'anthropic' },
  { type: 'text', text: 'Checking ' },
  { type: 'text', text: 'two cities.' },
  { type: 'tool_call', index: 0, id: 'toolu_A', name: 'weather', argumentsDelta: '' },
  { type: 'tool_call', index: 0, argumentsDelta: '{"city":' },
  { type: 'tool_call', index: 0, argumentsDelta: '"Paris"}' },
  { type: 'tool_call', index: 1, id: 'toolu_B', name: 'weather', argumentsDelta: '{"city":"Rome"}' },
  { type: 'usage', usage: { inputTokens: 50, outputTokens: 30 } },
  {
    type: 'finish',
    finishReason: 'tool_calls',
    rawFinishReason: 'tool_use',
    usage: { inputTokens: 50, outputTokens: 42, reasoningTokens: 12, cacheReadTokens: 20 },
  },
];

test('stream encoder: Gemini chunks, CRLF framing, whole function calls, final chunk with finishReason + usage', () => {
  const sse = encodeAll(EVENTS);
  const chunks = chunksOf(sse);
  const parts = chunks.map((c) => (c.candidates as { content: { parts: unknown[]; role: string } }[])[0].content.parts);
  assert.deepEqual(parts, [
    [{ text: 'Let me ', thought: true }],
    [{ text: 'think.', thought: true }],
    [{ text: 'Checking ' }],
    [{ text: 'two cities.' }],
    [{ functionCall: { id: 'toolu_A', name: 'weather', args: { city: 'Paris' } } }],
    [{ functionCall: { id: 'toolu_B', name: 'weather', args: { city: 'Rome' } } }],
  ]);
  for (const c of chunks) {
    assert.equal(c.modelVersion, 'gemini-2.5-pro', 'the client sees the model it asked for');
    assert.equal(c.responseId, 'resp-9');
    assert.equal((c.candidates as { index: number; content: { role: string } }[])[0].content.role, 'model');
  }
  const last = chunks[chunks.length - 1];
  assert.equal((last.candidates as { finishReason: string }[])[0].finishReason, 'STOP');
  assert.deepEqual(last.usageMetadata, {
    promptTokenCount: 50,
    candidatesTokenCount: 30,
    totalTokenCount: 92,
    cachedContentTokenCount: 20,
    thoughtsTokenCount: 12,
  });
  assert.equal(sse.includes('anthropic-sig'), false, 'foreign signatures never reach a Gemini client');
  assert.equal(sse.includes('[DONE]'), false);
});

test('stream encoder → stream decoder round trip', () => {
  const back = decodeAll(encodeAll(EVENTS));
  assert.deepEqual(back[0], { type: 'start', id: 'resp-9', model: 'gemini-2.5-pro' });
  const text = back.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
  const reasoning = back.flatMap((e) => (e.type === 'reasoning' && e.text ? [e.text] : [])).join('');
  assert.equal(text, 'Checking two cities.');
  assert.equal(reasoning, 'Let me think.');
  const calls = back.filter((e): e is Extract<StreamEvent, { type: 'tool_call' }> => e.type === 'tool_call');
  assert.deepEqual(
    calls.map((c) => [c.index, c.id, c.name, c.argumentsDelta]),
    [
      [0, 'toolu_A', 'weather', '{"city":"Paris"}'],
      [1, 'toolu_B', 'weather', '{"city":"Rome"}'],
    ],
  );
  const finish = back[back.length - 1];
  assert.deepEqual(finish, {
    type: 'finish',
    finishReason: 'tool_calls',
    rawFinishReason: 'STOP',
    usage: { inputTokens: 50, outputTokens: 42, cacheReadTokens: 20, reasoningTokens: 12 },
  });
});

test('stream encoder: Gemini signatures go back to Gemini clients (thought parts and function calls)', () => {
  const sse = encodeAll([
    { type: 'start', id: 'r', model: 'gemini-3-pro-preview' },
    { type: 'reasoning', text: 'plan', family: 'gemini', signature: 'dGhvdWdodA==' },
    { type: 'tool_call', index: 0, id: 'call_1', name: 'f', argumentsDelta: '{}', thoughtSignature: 'Zm4=' },
    { type: 'finish', finishReason: 'tool_calls' },
  ]);
  const chunks = chunksOf(sse);
  assert.deepEqual((chunks[0].candidates as { content: { parts: unknown[] } }[])[0].content.parts, [
    { text: 'plan', thought: true, thoughtSignature: 'dGhvdWdodA==' },
  ]);
  assert.deepEqual((chunks[1].candidates as { content: { parts: unknown[] } }[])[0].content.parts, [
    { functionCall: { id: 'call_1', name: 'f', args: {} }, thoughtSignature: 'Zm4=' },
  ]);
  assert.equal((chunks[1].candidates as { finishReason: string }[])[0].finishReason, 'STOP');
});

test('stream encoder: an error becomes Google’s error chunk and nothing follows', () => {
  const enc = geminiFormat.createStreamEncoder(clientCtx());
  let out = enc.push({ type: 'start', id: 'r', model: 'x' });
  out += enc.push({ type: 'text', text: 'partial' });
  out += enc.push({ type: 'tool_call', index: 0, id: 'c', name: 'f', argumentsDelta: '{"a":' });
  out += enc.push({ type: 'error', error: { status: 529, kind: 'overloaded', message: 'Overloaded' } });
  assert.equal(enc.push({ type: 'finish', finishReason: 'stop' }), '');
  assert.equal(enc.push({ type: 'text', text: 'late' }), '');
  const chunks = chunksOf(out);
  assert.equal(chunks.length, 2, 'the incomplete call is dropped');
  assert.deepEqual(chunks[1], { error: { code: 529, message: 'Overloaded', status: 'UNAVAILABLE' } });
  const back = decodeAll(out);
  const last = back[back.length - 1];
  assert.ok(last.type === 'error');
  assert.equal(last.error.status, 529);
  assert.equal(last.error.message, 'Overloaded');
  assert.equal(last.error.providerType, 'UNAVAILABLE');
});

test('stream encoder: finish without start, and content before start', () => {
  const bare = chunksOf(encodeAll([{ type: 'finish', finishReason: 'length' }]));
  assert.equal(bare.length, 1);
  const cand = (bare[0].candidates as { content: { parts: unknown[] }; finishReason: string }[])[0];
  assert.deepEqual(cand.content.parts, [{ text: '' }]);
  assert.equal(cand.finishReason, 'MAX_TOKENS');
  assert.equal(typeof bare[0].responseId, 'string');
  assert.deepEqual(bare[0].usageMetadata, { promptTokenCount: 0, candidatesTokenCount: 0, totalTokenCount: 0 });

  const early = chunksOf(
    encodeAll([
      { type: 'text', text: 'hi' },
      { type: 'start', id: 'late-id', model: 'm' },
      { type: 'finish', finishReason: 'stop' },
    ]),
  );
  assert.equal(early.length, 2);
  assert.equal(early[0].responseId, early[1].responseId, 'one response id for the whole stream');
});

test('stream encoder: JSON-array framing for streamGenerateContent without alt=sse', () => {
  const enc = createGeminiStreamEncoder(clientCtx(), 'json-array');
  const out = [
    enc.push({ type: 'start', id: 'r1', model: 'm' }),
    enc.push({ type: 'text', text: 'a' }),
    enc.push({ type: 'text', text: 'b' }),
    enc.push({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 2 } }),
  ].join('');
  assert.ok(out.startsWith('[{'));
  assert.ok(out.endsWith('\r\n]'));
  assert.ok(out.includes('}\r\n,{'));
  const arr = JSON.parse(out) as Record<string, unknown>[];
  assert.equal(arr.length, 3);
  assert.deepEqual(arr[2].usageMetadata, { promptTokenCount: 1, candidatesTokenCount: 2, totalTokenCount: 3 });
  // The same body, buffered, decodes as one response.
  const res = geminiFormat.decodeResponse(arr, { reasoningStore: new ReasoningStore() });
  assert.deepEqual(res.parts, [{ type: 'text', text: 'ab' }]);
  assert.equal(res.finishReason, 'stop');

  assert.equal(geminiStreamContentType('json-array'), 'application/json; charset=UTF-8');
  assert.equal(geminiStreamContentType('sse'), 'text/event-stream');

  const errEnc = createGeminiStreamEncoder(clientCtx(), 'json-array');
  const errOut = errEnc.push({ type: 'text', text: 'x' }) + errEnc.push({ type: 'error', error: { status: 500, kind: 'server', message: 'boom' } });
  assert.deepEqual((JSON.parse(errOut) as unknown[])[1], { error: { code: 500, message: 'boom', status: 'INTERNAL' } });
});

test('stream decoder: error chunk, non-JSON chunk, early close, prompt blocked, usage events', () => {
  const errorEvents = decodeAll('data: {"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}\r\n\r\n');
  assert.equal(errorEvents.length, 1);
  assert.ok(errorEvents[0].type === 'error');
  assert.equal(errorEvents[0].error.status, 429);
  assert.equal(errorEvents[0].error.kind, 'rate_limit');
  assert.equal(errorEvents[0].error.message, 'Quota exceeded');

  const garbage = decodeAll('data: {"candidates":[{"content":{"parts":[{"text":"a"}]}}]}\r\n\r\ndata: <html>\r\n\r\n');
  const last = garbage[garbage.length - 1];
  assert.ok(last.type === 'error' && last.error.status === 502);

  const cut = decodeAll('data: {"candidates":[{"content":{"parts":[{"text":"a"}],"role":"model"},"index":0}],"responseId":"x"}\r\n\r\n');
  assert.deepEqual(
    cut.map((e) => e.type),
    ['start', 'text', 'error'],
  );

  const blocked = decodeAll('data: {"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7}}\r\n\r\n');
  const fin = blocked[blocked.length - 1];
  assert.ok(fin.type === 'finish');
  assert.equal(fin.finishReason, 'content_filter');
  assert.equal(fin.rawFinishReason, 'SAFETY');

  const usage = decodeAll(
    [
      '{"candidates":[{"content":{"parts":[{"text":"a"}]}}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":1,"totalTokenCount":6}}',
      '{"candidates":[{"content":{"parts":[{"text":"b"}]}}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":1,"totalTokenCount":6}}',
      '{"candidates":[{"content":{"parts":[{"text":"c"}]},"finishReason":"MAX_TOKENS"}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":3,"totalTokenCount":8}}',
    ]
      .map((l) => `data: ${l}\r\n\r\n`)
      .join(''),
  );
  assert.deepEqual(
    usage.map((e) => e.type),
    ['start', 'text', 'usage', 'text', 'text', 'finish'],
    'usage only when it changed; the last chunk’s usage rides on finish',
  );
  const f = usage[usage.length - 1];
  assert.ok(f.type === 'finish' && f.finishReason === 'length');
  assert.deepEqual(f.usage, { inputTokens: 5, outputTokens: 3 });
});

test('stream decoder: partialArgs with numbers, booleans, nulls, quoted keys and a last chunk without willContinue', () => {
  const frames = [
    { functionCall: { name: 'set', willContinue: true } },
    {
      functionCall: {
        partialArgs: [
          { jsonPath: '$.n', numberValue: 3 },
          { jsonPath: '$.flag', boolValue: false },
        ],
        willContinue: true,
      },
    },
    { functionCall: { partialArgs: [{ jsonPath: "$['odd key'][0].v", nullValue: 'NULL_VALUE' }], willContinue: true } },
    { functionCall: { partialArgs: [{ jsonPath: '$.s', stringValue: 'ab', willContinue: true }], willContinue: true } },
    { functionCall: { partialArgs: [{ jsonPath: '$.s', stringValue: 'c' }] } },
    { text: 'after' },
  ].map(
    (part, i, all) =>
      `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [part] }, ...(i === all.length - 1 ? { finishReason: 'STOP' } : {}) }] })}\r\n\r\n`,
  );
  const events = decodeAll(frames.join(''));
  const args = events.flatMap((e) => (e.type === 'tool_call' && e.argumentsDelta ? [e.argumentsDelta] : [])).join('');
  assert.deepEqual(JSON.parse(args), { n: 3, flag: false, 'odd key': [{ v: null }], s: 'abc' });
  assert.deepEqual(
    events.map((e) => e.type),
    ['start', 'tool_call', 'tool_call', 'text', 'finish'],
  );
});

test('mock-rendered Gemini streams decode to what the mock was told to say', async () => {
  const { geminiMock } = await import('../mocks/gemini.js');
  const rendered = geminiMock.renderReply(
    {
      model: 'gemini-2.5-flash',
      reasoning: 'hmm',
      text: 'Hello there friend',
      toolCalls: [{ id: 'x', name: 'f', arguments: { a: 1 } }],
      usage: { input: 11, output: 9, reasoning: 4, cacheRead: 3 },
    },
    true,
  );
  assert.ok(Array.isArray(rendered.body));
  assert.equal(rendered.headers['content-type'], 'text/event-stream');
  const events = decodeAll(rendered.body.join(''));
  const text = events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
  assert.equal(text, 'Hello there friend');
  assert.equal(events.filter((e) => e.type === 'text').length, 3, 'one delta per word');
  const call = events.find((e) => e.type === 'tool_call');
  assert.ok(call?.type === 'tool_call');
  assert.equal(call.thoughtSignature, 'sig-3');
  const fin = events[events.length - 1];
  assert.ok(fin.type === 'finish');
  assert.equal(fin.finishReason, 'tool_calls');
  assert.deepEqual(fin.usage, { inputTokens: 11, outputTokens: 9, cacheReadTokens: 3, reasoningTokens: 4 });

  const broken = geminiMock.renderReply({ model: 'm', text: 'a b c d', breakAfter: 2 }, true);
  assert.equal(broken.destroy, true);
  const cut = decodeAll((broken.body as string[]).join(''));
  assert.equal(cut[cut.length - 1].type, 'error');
  const failing = geminiMock.renderReply({ model: 'm', text: 'a b c d', errorAfter: 1 }, true);
  const failed = decodeAll((failing.body as string[]).join(''));
  const lastFailed = failed[failed.length - 1];
  assert.ok(lastFailed.type === 'error' && lastFailed.error.status === 500);
});
