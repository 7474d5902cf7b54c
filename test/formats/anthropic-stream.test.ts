import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicFormat } from '../../src/formats/anthropic/index.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import type { Request, Response, StreamEvent } from '../../src/ir/types.js';
import { SseReader, type SseEvent } from '../../src/util/sse.js';
import { fixtureChunks, fixtureJson, fixtureManifest, frameStream, splitResponses } from '../helpers/fixtures.js';
import { anthropicMock } from '../mocks/anthropic.js';

type Rec = Record<string, unknown>;

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

function readSse(wire: string, seed = 1): SseEvent[] {
  const bytes = Buffer.from(wire, 'utf8');
  const rand = rng(seed);
  const reader = new SseReader();
  const out: SseEvent[] = [];
  for (let pos = 0; pos < bytes.length;) {
    const n = 1 + Math.floor(rand() * 48);
    out.push(...reader.pushBytes(bytes.subarray(pos, pos + n)));
    pos += n;
  }
  out.push(...reader.end());
  return out;
}

/** Wire text → hub events through SseReader (random byte splits) and a fresh decoder. */
function decodeWire(wire: string, seed: number, store = new ReasoningStore()): StreamEvent[] {
  const decoder = anthropicFormat.createStreamDecoder({ reasoningStore: store });
  const events: StreamEvent[] = [];
  for (const ev of readSse(wire, seed)) events.push(...decoder.push(ev));
  events.push(...decoder.end());
  return events;
}

interface Collected {
  start?: Extract<StreamEvent, { type: 'start' }>;
  text: string;
  reasoning: string;
  signature: string;
  calls: { id: string; name: string; args: string }[];
  finish?: Extract<StreamEvent, { type: 'finish' }>;
  error?: Extract<StreamEvent, { type: 'error' }>;
}

/** Fold hub events, checking the hub's ordering contract on the way. */
function collect(events: StreamEvent[]): Collected {
  const c: Collected = { text: '', reasoning: '', signature: '', calls: [] };
  assert.equal(events[0]?.type, 'start', 'start comes first');
  const terminal = events.filter((e) => e.type === 'finish' || e.type === 'error');
  assert.equal(terminal.length, 1, 'exactly one terminal event');
  assert.equal(events[events.length - 1], terminal[0], 'terminal event is last');
  for (const e of events) {
    switch (e.type) {
      case 'start':
        c.start = e;
        break;
      case 'text':
        c.text += e.text;
        break;
      case 'reasoning':
        c.reasoning += e.text ?? '';
        c.signature += e.signature ?? '';
        break;
      case 'tool_call':
        if (e.id !== undefined) {
          assert.equal(e.index, c.calls.length, 'tool calls are numbered in order');
          c.calls.push({ id: e.id, name: e.name ?? '', args: '' });
        }
        c.calls[e.index].args += e.argumentsDelta ?? '';
        break;
      case 'finish':
        c.finish = e;
        break;
      case 'error':
        c.error = e;
        break;
    }
  }
  return c;
}

const upCtx = { reasoningStore: new ReasoningStore() };
const clientCtx = (request?: Partial<Request>) => ({
  model: 'claude-client-model',
  request: { model: 'claude-client-model', system: [], messages: [], stream: true, sourceFormat: 'openai', ...request } as Request,
  reasoningStore: new ReasoningStore(),
});

// ------------------------------------------------------------ recorded JSON responses

test('fixture anthropic-text.json', () => {
  const res = anthropicFormat.decodeResponse(fixtureJson('anthropic/anthropic-text.json'), upCtx);
  assert.equal(res.id, 'msg_01VdEjxAP5ahtHKrrRdNBteQ');
  assert.equal(res.model, 'claude-sonnet-4-5-20250929');
  assert.deepEqual(res.parts, [
    { type: 'text', text: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?" },
  ]);
  assert.equal(res.finishReason, 'stop');
  assert.equal(res.rawFinishReason, 'end_turn');
  assert.deepEqual(res.usage, { inputTokens: 12, outputTokens: 29, cacheReadTokens: 0, cacheCreationTokens: 0 });
});

test('fixture anthropic-json-tool.1.json: nested tool input', () => {
  const res = anthropicFormat.decodeResponse(fixtureJson('anthropic/anthropic-json-tool.1.json'), upCtx);
  assert.equal(res.finishReason, 'tool_calls');
  assert.equal(res.parts.length, 1);
  const call = res.parts[0];
  assert.equal(call.type, 'tool_call');
  if (call.type !== 'tool_call') return;
  assert.equal(call.id, 'toolu_01Q9ExVZnzZj7E2QQYHYtNUa');
  assert.equal(call.name, 'json');
  const args = JSON.parse(call.arguments);
  assert.equal(args.elements.length, 4);
  assert.deepEqual(args.elements[0], { location: 'San Francisco', temperature: -5, condition: 'snowy' });
  assert.deepEqual(args.elements[3], { location: 'Berlin', temperature: -9, condition: 'snowy' });
  assert.deepEqual(res.usage, { inputTokens: 1151, outputTokens: 87, cacheReadTokens: 0, cacheCreationTokens: 0 });
});

test('fixture anthropic-claude-opus-5-reasoning-high.1.json: thinking, signature, thinking tokens', () => {
  const res = anthropicFormat.decodeResponse(fixtureJson('anthropic/anthropic-claude-opus-5-reasoning-high.1.json'), upCtx);
  const [thinking, text] = res.parts;
  assert.equal(thinking.type, 'reasoning');
  if (thinking.type !== 'reasoning' || text.type !== 'text') return assert.fail('shape');
  assert.ok(thinking.text.startsWith('I need to find all roots of this cubic polynomial'));
  assert.ok(thinking.signature?.startsWith('CAISqwQKhwEIEBgCKkAciZInI2gc'));
  assert.ok(thinking.signature?.endsWith('9yWz7dcYAQ=='));
  assert.equal(thinking.family, 'anthropic');
  assert.ok(text.text.startsWith('## Step 1: Set up the problem'));
  assert.ok(text.text.endsWith('independently confirming the answer.'));
  assert.equal(res.finishReason, 'stop');
  assert.deepEqual(res.usage, { inputTokens: 51, outputTokens: 1699, cacheReadTokens: 0, cacheCreationTokens: 0, reasoningTokens: 139 });
  assert.deepEqual(res.extras, { stop_details: null });
});

// ------------------------------------------------------------ recorded streams

function fixtureWire(file: string, response = 0): string {
  return frameStream('anthropic', splitResponses('anthropic', fixtureChunks(file))[response]);
}

test('every recorded Anthropic stream decodes under random byte splits', () => {
  const files = fixtureManifest().filter((e) => e.format === 'anthropic' && e.streaming);
  assert.ok(files.length >= 7);
  for (const entry of files) {
    const responses = splitResponses('anthropic', fixtureChunks(entry.file));
    assert.equal(responses.length, entry.http_responses, entry.file);
    responses.forEach((chunks, r) => {
      const wire = frameStream('anthropic', chunks);
      const reference = collect(decodeWire(wire, 7));
      for (const seed of [1, 2, 3]) {
        const c = collect(decodeWire(wire, seed));
        assert.deepEqual(c, reference, `${entry.file}#${r} seed ${seed}`);
      }
      assert.ok(reference.finish, `${entry.file}#${r} finishes`);
      // the decoded text is every text_delta of the recording
      const expected = chunks
        .filter((c) => c.type === 'content_block_delta' && (c.delta as Rec).type === 'text_delta')
        .map((c) => (c.delta as Rec).text)
        .join('');
      assert.equal(reference.text, expected, entry.file);
    });
  }
});

test('fixture anthropic-text.chunks.txt', () => {
  const c = collect(decodeWire(fixtureWire('anthropic/anthropic-text.chunks.txt'), 11));
  assert.equal(c.start?.id, 'msg_01QC4g3HwBThD4BaNtBckFDJ');
  assert.equal(c.start?.model, 'claude-sonnet-4-5-20250929');
  assert.equal(c.text, "Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?");
  assert.equal(c.finish?.finishReason, 'stop');
  assert.equal(c.finish?.rawFinishReason, 'end_turn');
  assert.deepEqual(c.finish?.usage, { inputTokens: 12, outputTokens: 30, cacheReadTokens: 0, cacheCreationTokens: 0 });
});

test('fixture anthropic-tool-no-args.chunks.txt: "" input is a no-args call', () => {
  const c = collect(decodeWire(fixtureWire('anthropic/anthropic-tool-no-args.chunks.txt'), 12));
  assert.equal(c.text, "I'll update the issue list for you.");
  assert.deepEqual(c.calls, [{ id: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP', name: 'updateIssueList', args: '{}' }]);
  assert.equal(c.finish?.finishReason, 'tool_calls');
  assert.deepEqual(c.finish?.usage, { inputTokens: 565, outputTokens: 48, cacheReadTokens: 0, cacheCreationTokens: 0 });
});

test('fixture anthropic-json-other-tool.1.chunks.txt: fragments between pings', () => {
  const c = collect(decodeWire(fixtureWire('anthropic/anthropic-json-other-tool.1.chunks.txt'), 13));
  assert.equal(c.calls.length, 1);
  assert.equal(c.calls[0].id, 'toolu_019Zvehfe1XQWweT1pm7okyt');
  assert.equal(c.calls[0].name, 'weather');
  assert.deepEqual(JSON.parse(c.calls[0].args), { location: 'San Francisco' });
  assert.equal(c.finish?.finishReason, 'tool_calls');
  assert.deepEqual(c.finish?.usage, { inputTokens: 843, outputTokens: 28, cacheReadTokens: 0, cacheCreationTokens: 0 });
});

test('fixture anthropic-clear-thinking.1.chunks.txt: thinking text + signature', () => {
  const c = collect(decodeWire(fixtureWire('anthropic/anthropic-clear-thinking.1.chunks.txt'), 14));
  assert.equal(c.reasoning, 'The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185');
  assert.ok(c.signature.startsWith('EvQBCkYICxgCKkAxhD4NUKFzudtZ6NzbZdEiBACIScTzqjPViM596'));
  assert.ok(c.signature.endsWith('Ca17BgB'));
  assert.equal(c.text, '925 ÷ 5 = 185');
  assert.equal(c.finish?.finishReason, 'stop');
  assert.deepEqual(c.finish?.usage, { inputTokens: 69, outputTokens: 53, cacheReadTokens: 0, cacheCreationTokens: 0 });
});

test('fixture code-execution prompt-cache stream: cache tokens from message_delta, server blocks skipped', () => {
  const events = decodeWire(fixtureWire('anthropic/anthropic-code-execution-20260120-prompt-cache.1.chunks.txt'), 15);
  const c = collect(events);
  assert.deepEqual(c.start?.usage, { inputTokens: 2 + 3068, outputTokens: 69, cacheReadTokens: 0, cacheCreationTokens: 3068 });
  assert.equal(c.text, 'The sum of the squares of the numbers 1 through 12 is **650**.');
  assert.deepEqual(c.calls, [], 'server_tool_use is not a client tool call');
  assert.equal(c.finish?.finishReason, 'stop');
  assert.deepEqual(c.finish?.usage, {
    inputTokens: 6 + 3337 + 6289,
    outputTokens: 198,
    cacheReadTokens: 6289,
    cacheCreationTokens: 3337,
    reasoningTokens: 0,
  });
});

test('fixture web-search stream: many text blocks, citations ignored', () => {
  const c = collect(decodeWire(fixtureWire('anthropic/anthropic-web-search-tool.1.chunks.txt'), 16));
  assert.ok(c.text.includes('With iOS 26 officially launched, Apple is moving forward with iOS 26.1.'));
  assert.ok(c.text.endsWith('marking over 20 years since their first international retail expansion.'));
  assert.deepEqual(c.calls, []);
  assert.equal(c.finish?.finishReason, 'stop');
  assert.deepEqual(c.finish?.usage, { inputTokens: 15665, outputTokens: 795, cacheReadTokens: 0, cacheCreationTokens: 0 });
});

test('fixture tool-search stream: two responses', () => {
  const first = collect(decodeWire(fixtureWire('anthropic/anthropic-tool-search-regex.1.chunks.txt', 0), 17));
  assert.equal(first.text, 'Great! I found a weather tool. Let me get the current weather data for San Francisco.');
  assert.deepEqual(
    first.calls.map((x) => [x.id, x.name, JSON.parse(x.args)]),
    [['toolu_01UmPwkecewaEpMupy2ywk8b', 'get_temp_data', { location: 'San Francisco, CA' }]],
  );
  assert.equal(first.finish?.finishReason, 'tool_calls');
  assert.deepEqual(first.finish?.usage, { inputTokens: 1681, outputTokens: 163, cacheReadTokens: 0, cacheCreationTokens: 0 });
  const second = collect(decodeWire(fixtureWire('anthropic/anthropic-tool-search-regex.1.chunks.txt', 1), 18));
  assert.ok(second.text.startsWith("Here's the current weather data for San Francisco:"));
  assert.equal(second.finish?.rawFinishReason, 'end_turn');
  assert.deepEqual(second.finish?.usage, { inputTokens: 1071, outputTokens: 67, cacheReadTokens: 0, cacheCreationTokens: 0 });
});

test('stream decoder: truncation, error events, garbage', () => {
  const wire = fixtureWire('anthropic/anthropic-text.chunks.txt');
  const cut = wire.slice(0, wire.indexOf('event: message_delta'));
  const truncated = collect(decodeWire(cut, 3));
  assert.equal(truncated.error?.error.status, 502);
  assert.equal(truncated.error?.error.kind, 'upstream');
  assert.match(truncated.error?.error.message ?? '', /ended before message_stop/);

  const overloaded = cut + 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
  const e = collect(decodeWire(overloaded, 4));
  assert.deepEqual(e.error?.error, { status: 529, kind: 'overloaded', message: 'Overloaded', providerType: 'overloaded_error' });

  const decoder = anthropicFormat.createStreamDecoder(upCtx);
  assert.equal(decoder.push({ event: 'message_start', data: '{"type":"message_start","message":{"id":"m","model":"x","usage":{}}}' })[0].type, 'start');
  const bad = decoder.push({ event: 'content_block_delta', data: '{not json' });
  assert.equal(bad[0].type, 'error');
  assert.deepEqual(decoder.push({ event: 'message_stop', data: '{"type":"message_stop"}' }), [], 'nothing after a terminal event');
  assert.deepEqual(decoder.end(), []);
});

// ------------------------------------------------------------ reasoning store from responses

test('decoders put signed thinking in the reasoning store under each tool_use id', () => {
  const reply = {
    model: 'claude-sonnet-4-5',
    reasoning: 'Call both tools.',
    toolCalls: [
      { id: 'toolu_01Aaa', name: 'a', arguments: { x: 1 } },
      { id: 'toolu_01Bbb', name: 'b', arguments: {} },
    ],
  };
  const store = new ReasoningStore();
  const rendered = anthropicMock.renderReply(reply, true);
  const c = collect(decodeWire((rendered.body as string[]).join(''), 5, store));
  assert.deepEqual(
    c.calls.map((x) => [x.id, x.args]),
    [
      ['toolu_01Aaa', '{"x":1}'],
      ['toolu_01Bbb', '{}'],
    ],
  );
  for (const id of ['toolu_01Aaa', 'toolu_01Bbb']) {
    assert.deepEqual(store.get(id, 'anthropic')?.parts, [{ type: 'reasoning', text: 'Call both tools.', signature: 'sig-16', family: 'anthropic' }]);
  }
  const store2 = new ReasoningStore();
  const json = JSON.parse(anthropicMock.renderReply(reply, false).body as string);
  anthropicFormat.decodeResponse(json, { reasoningStore: store2 });
  assert.equal(store2.get('toolu_01Bbb', 'anthropic')?.parts[0].signature, 'sig-16');
  assert.equal(store2.get('toolu_01Bbb', 'openai'), undefined);
});

test('mock replies decode back to what was asked (stream and JSON, usage meanings)', () => {
  const reply = {
    model: 'claude-haiku-4-5',
    text: 'Hello there, friend.',
    usage: { input: 100, output: 20, cacheRead: 60, cacheCreation: 10, reasoning: 5 },
    finish: 'length' as const,
  };
  const json = JSON.parse(anthropicMock.renderReply(reply, false).body as string);
  assert.equal(json.usage.input_tokens, 30);
  const res = anthropicFormat.decodeResponse(json, upCtx);
  assert.deepEqual(res.usage, { inputTokens: 100, outputTokens: 20, cacheReadTokens: 60, cacheCreationTokens: 10, reasoningTokens: 5 });
  assert.equal(res.finishReason, 'length');
  const c = collect(decodeWire((anthropicMock.renderReply(reply, true).body as string[]).join(''), 6));
  assert.equal(c.text, 'Hello there, friend.');
  assert.deepEqual(c.finish?.usage, res.usage);

  const broken = anthropicMock.renderReply({ ...reply, breakAfter: 2 }, true);
  assert.equal(broken.destroy, true);
  assert.equal(collect(decodeWire((broken.body as string[]).join(''), 7)).error?.error.status, 502);
  const failed = anthropicMock.renderReply({ ...reply, errorAfter: 1 }, true);
  assert.equal(collect(decodeWire((failed.body as string[]).join(''), 8)).error?.error.kind, 'overloaded');

  const err = anthropicMock.renderError({ status: 429, message: 'slow down', retryAfter: '7' });
  assert.equal(err.headers['retry-after'], '7');
  const info = anthropicFormat.decodeError(err.status, err.body as string);
  assert.deepEqual([info.kind, info.message, info.providerType], ['rate_limit', 'slow down', 'rate_limit_error']);
});

// ------------------------------------------------------------ client response encode

test('encodeResponse: foreign reasoning as unsigned thinking, tool_use stop, usage without cache', () => {
  const res: Response = {
    id: 'chatcmpl-123',
    model: 'gpt-4o',
    parts: [
      { type: 'reasoning', text: 'openai thoughts', family: 'openai', encrypted: 'gAAAA' },
      { type: 'reasoning', text: '', family: 'openai', encrypted: 'only-encrypted' },
      { type: 'text', text: 'Calling.' },
      { type: 'tool_call', id: 'call_abc', name: 'lookup', arguments: '{"q":"x"}' },
      { type: 'tool_call', id: 'call_def', name: 'noargs', arguments: '' },
    ],
    finishReason: 'stop',
    rawFinishReason: 'STOP',
    usage: { inputTokens: 120, outputTokens: 30, cacheReadTokens: 100, reasoningTokens: 12 },
    sourceFormat: 'gemini',
  };
  const out = anthropicFormat.encodeResponse(res, clientCtx()) as Rec;
  assert.match(String(out.id), /^msg_01[0-9A-Za-z]{22}$/);
  assert.equal(out.type, 'message');
  assert.equal(out.role, 'assistant');
  assert.equal(out.model, 'claude-client-model');
  assert.deepEqual(out.content, [
    { type: 'thinking', thinking: 'openai thoughts', signature: '' },
    { type: 'text', text: 'Calling.' },
    { type: 'tool_use', id: 'call_abc', name: 'lookup', input: { q: 'x' } },
    { type: 'tool_use', id: 'call_def', name: 'noargs', input: {} },
  ]);
  assert.equal(out.stop_reason, 'tool_use');
  assert.equal(out.stop_sequence, null);
  assert.deepEqual(out.usage, {
    input_tokens: 20,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 100,
    output_tokens: 30,
    output_tokens_details: { thinking_tokens: 12 },
  });
});

test('encodeResponse: stop reasons both ways', () => {
  const base: Response = { id: 'msg_keep', model: 'm', parts: [{ type: 'text', text: 'x' }], finishReason: 'stop' };
  const reason = (r: Partial<Response>) => (anthropicFormat.encodeResponse({ ...base, ...r }, clientCtx()) as Rec).stop_reason;
  assert.equal(reason({}), 'end_turn');
  assert.equal(reason({ stopSequence: 'END' }), 'stop_sequence');
  assert.equal(reason({ finishReason: 'length' }), 'max_tokens');
  assert.equal(reason({ finishReason: 'content_filter' }), 'refusal');
  assert.equal(
    reason({ finishReason: 'length', rawFinishReason: 'model_context_window_exceeded', sourceFormat: 'anthropic' }),
    'model_context_window_exceeded',
  );
  assert.equal(reason({ rawFinishReason: 'pause_turn', sourceFormat: 'anthropic' }), 'pause_turn');
  assert.equal((anthropicFormat.encodeResponse(base, clientCtx()) as Rec).id, 'msg_keep');
});

test('Anthropic → hub → Anthropic response keeps thinking, server blocks and extras', () => {
  const original = {
    id: 'msg_01XYZ',
    type: 'message',
    role: 'assistant',
    model: 'claude-client-model',
    content: [
      { type: 'thinking', thinking: 'hmm', signature: 'sigX' },
      { type: 'redacted_thinking', data: 'redX' },
      { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'q' } },
      { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
      { type: 'text', text: 'Answer' },
      { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: [1, 2] } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 5, cache_creation_input_tokens: 1, cache_read_input_tokens: 2, output_tokens: 9 },
    container: { id: 'container_1', expires_at: '2026-01-01T00:00:00Z' },
  };
  const res = anthropicFormat.decodeResponse(original, upCtx);
  assert.equal(res.usage?.inputTokens, 8);
  assert.deepEqual(anthropicFormat.encodeResponse(res, clientCtx({ sourceFormat: 'anthropic' })), original);
});

// ------------------------------------------------------------ stream encoder

function encodeEvents(events: StreamEvent[], ctx = clientCtx()): string {
  const enc = anthropicFormat.createStreamEncoder(ctx);
  return events.map((e) => enc.push(e)).join('');
}

const toolStream: StreamEvent[] = [
  { type: 'start', id: 'chatcmpl-1', model: 'gpt-4o', usage: { inputTokens: 50, cacheReadTokens: 40 } },
  { type: 'reasoning', text: 'Let me ', family: 'openai' },
  { type: 'reasoning', text: 'think.', family: 'openai' },
  { type: 'text', text: 'Checking ' },
  { type: 'text', text: 'now.' },
  { type: 'tool_call', index: 0, id: 'call_1', name: 'weather' },
  { type: 'tool_call', index: 0, argumentsDelta: '{"city":' },
  { type: 'tool_call', index: 0, argumentsDelta: '"Paris"}' },
  { type: 'tool_call', index: 1, id: 'call_2', name: 'time', argumentsDelta: '{}' },
  { type: 'usage', usage: { outputTokens: 33, reasoningTokens: 7 } },
  { type: 'finish', finishReason: 'tool_calls', rawFinishReason: 'tool_calls' },
];

test('stream encoder: event sequence, block indices, usage', () => {
  const frames = readSse(encodeEvents(toolStream)).map((e) => ({ event: e.event, data: JSON.parse(e.data) as Rec }));
  for (const f of frames) assert.equal(f.event, f.data.type, 'event name matches payload type');
  assert.deepEqual(
    frames.map((f) => `${f.data.type}${f.data.index !== undefined ? ':' + f.data.index : ''}`),
    [
      'message_start',
      'content_block_start:0',
      'content_block_delta:0',
      'content_block_delta:0',
      'content_block_stop:0',
      'content_block_start:1',
      'content_block_delta:1',
      'content_block_delta:1',
      'content_block_stop:1',
      'content_block_start:2',
      'content_block_delta:2',
      'content_block_delta:2',
      'content_block_stop:2',
      'content_block_start:3',
      'content_block_delta:3',
      'content_block_stop:3',
      'message_delta',
      'message_stop',
    ],
  );
  const message = frames[0].data.message as Rec;
  assert.match(String(message.id), /^msg_01/);
  assert.equal(message.model, 'claude-client-model');
  assert.deepEqual(message.usage, { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 40, output_tokens: 0 });
  assert.deepEqual(frames[1].data.content_block, { type: 'thinking', thinking: '', signature: '' });
  assert.deepEqual(frames[9].data.content_block, { type: 'tool_use', id: 'call_1', name: 'weather', input: {} });
  assert.deepEqual(frames[16].data, {
    type: 'message_delta',
    delta: { stop_reason: 'tool_use', stop_sequence: null },
    usage: {
      input_tokens: 10,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 40,
      output_tokens: 33,
      output_tokens_details: { thinking_tokens: 7 },
    },
  });
});

test('stream encoder output decodes back to the same content', () => {
  const c = collect(decodeWire(encodeEvents(toolStream), 21));
  assert.equal(c.reasoning, 'Let me think.');
  assert.equal(c.signature, '');
  assert.equal(c.text, 'Checking now.');
  assert.deepEqual(c.calls, [
    { id: 'call_1', name: 'weather', args: '{"city":"Paris"}' },
    { id: 'call_2', name: 'time', args: '{}' },
  ]);
  assert.equal(c.finish?.finishReason, 'tool_calls');
  assert.deepEqual(c.finish?.usage, { inputTokens: 50, outputTokens: 33, cacheReadTokens: 40, cacheCreationTokens: 0, reasoningTokens: 7 });
});

test('recorded streams survive decode → encode → decode', () => {
  for (const file of [
    'anthropic/anthropic-clear-thinking.1.chunks.txt',
    'anthropic/anthropic-tool-no-args.chunks.txt',
    'anthropic/anthropic-code-execution-20260120-prompt-cache.1.chunks.txt',
  ]) {
    const first = decodeWire(fixtureWire(file), 31);
    const again = collect(decodeWire(encodeEvents(first, clientCtx({ sourceFormat: 'anthropic' })), 32));
    const ref = collect(first);
    assert.deepEqual({ ...again, start: undefined }, { ...ref, start: undefined }, file);
    assert.equal(again.start?.id, ref.start?.id);
  }
});

test('stream encoder: Anthropic signatures, redacted thinking, new block after a signature', () => {
  const wire = encodeEvents([
    { type: 'start', id: 'msg_01abc', model: 'x' },
    { type: 'reasoning', text: 'one', family: 'anthropic' },
    { type: 'reasoning', signature: 'SIG1', family: 'anthropic' },
    { type: 'reasoning', text: 'two', family: 'anthropic' },
    { type: 'reasoning', signature: 'SIG2', family: 'anthropic' },
    { type: 'reasoning', redactedData: 'RED', family: 'anthropic' },
    { type: 'reasoning', signature: 'gemini-sig', family: 'gemini' },
    { type: 'finish', finishReason: 'stop' },
  ]);
  const frames = readSse(wire).map((e) => JSON.parse(e.data) as Rec);
  const starts = frames.filter((f) => f.type === 'content_block_start').map((f) => f.content_block);
  assert.deepEqual(starts, [
    { type: 'thinking', thinking: '', signature: '' },
    { type: 'thinking', thinking: '', signature: '' },
    { type: 'redacted_thinking', data: 'RED' },
  ]);
  const sigs = frames.filter((f) => f.type === 'content_block_delta' && (f.delta as Rec).type === 'signature_delta');
  assert.deepEqual(
    sigs.map((f) => [(f as Rec).index, (f.delta as Rec).signature]),
    [
      [0, 'SIG1'],
      [1, 'SIG2'],
    ],
  );
  assert.equal((frames[0].message as Rec).id, 'msg_01abc');
});

test('stream encoder: content before start, finish without start, error ends the stream', () => {
  const early = readSse(
    encodeEvents([
      { type: 'text', text: 'hi' },
      { type: 'start', id: 'x', model: 'm' },
      { type: 'finish', finishReason: 'stop' },
    ]),
  );
  assert.deepEqual(
    early.map((e) => e.event),
    ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'],
  );
  const bare = readSse(encodeEvents([{ type: 'finish', finishReason: 'length', usage: { inputTokens: 3, outputTokens: 4 } }]));
  assert.deepEqual(
    bare.map((e) => e.event),
    ['message_start', 'message_delta', 'message_stop'],
  );
  assert.equal((JSON.parse(bare[1].data).delta as Rec).stop_reason, 'max_tokens');

  const enc = anthropicFormat.createStreamEncoder(clientCtx());
  let wire = enc.push({ type: 'start', id: 'msg_1', model: 'm' }) + enc.push({ type: 'text', text: 'partial' });
  wire += enc.push({ type: 'error', error: { status: 529, kind: 'overloaded', message: 'Overloaded' } });
  assert.equal(enc.push({ type: 'text', text: 'late' }), '');
  assert.equal(enc.push({ type: 'finish', finishReason: 'stop' }), '');
  const frames = readSse(wire);
  const last = frames[frames.length - 1];
  assert.equal(last.event, 'error');
  assert.deepEqual(JSON.parse(last.data), { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  assert.ok(!frames.some((f) => f.event === 'message_stop'));
  const decoded = collect(decodeWire(wire, 9));
  assert.equal(decoded.error?.error.kind, 'overloaded');
});
