import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import fc from 'fast-check';
import { responsesFormat as F } from '../../src/formats/responses/index.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import type { Request, StreamEvent } from '../../src/ir/types.js';
import { SseReader, type SseEvent } from '../../src/util/sse.js';
import { fixtureChunks, fixtureManifest, frameStream, splitResponses } from '../helpers/fixtures.js';
import { responsesMock } from '../mocks/responses.js';

type Json = Record<string, unknown>;

const ENC = 'gAAAAABpPDIVOKrsHNZ0GwsoEKA_IGfuJ5f8Ma_6-EojH4yZFL50qlfUzM7FREdQlpkqlnIHLRx2YJxZfzvbnc0E3J';

/** Deterministic PRNG (mulberry32) for the random byte splits. */
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

/** Feed SSE text through SseReader in random byte-sized pieces (UTF-8 sequences split too). */
function readSse(text: string, seed: number): SseEvent[] {
  const bytes = Buffer.from(text, 'utf8');
  const rand = rng(seed);
  const reader = new SseReader();
  const out: SseEvent[] = [];
  for (let i = 0; i < bytes.length;) {
    const n = 1 + Math.floor(rand() * 64);
    out.push(...reader.pushBytes(bytes.subarray(i, i + n)));
    i += n;
  }
  out.push(...reader.end());
  return out;
}

function decode(text: string, seed = 1, store = new ReasoningStore()): StreamEvent[] {
  const dec = F.createStreamDecoder({ reasoningStore: store });
  const out: StreamEvent[] = [];
  for (const ev of readSse(text, seed)) out.push(...dec.push(ev));
  out.push(...dec.end());
  return out;
}

interface Collected {
  text: string;
  textEvents: number;
  reasoning: string;
  encrypted: string[];
  calls: { id?: string; name?: string; itemId?: string; args: string }[];
  terminal: StreamEvent | undefined;
  afterTerminal: number;
}

function collect(events: StreamEvent[]): Collected {
  const c: Collected = { text: '', textEvents: 0, reasoning: '', encrypted: [], calls: [], terminal: undefined, afterTerminal: 0 };
  assert.equal(events[0]?.type, 'start', 'start comes first');
  for (const e of events) {
    if (c.terminal) c.afterTerminal++;
    if (e.type === 'text') {
      c.text += e.text;
      c.textEvents++;
    } else if (e.type === 'reasoning') {
      c.reasoning += e.text ?? '';
      if (e.encrypted) c.encrypted.push(e.encrypted);
    } else if (e.type === 'tool_call') {
      if (!c.calls[e.index]) {
        assert.ok(e.id && e.name, 'id and name come with the first event of a call');
        c.calls[e.index] = { id: e.id, name: e.name, itemId: e.itemId, args: '' };
      }
      c.calls[e.index].args += e.argumentsDelta ?? '';
    } else if (e.type === 'finish' || e.type === 'error') c.terminal = e;
  }
  return c;
}

/** What a recorded response group should decode to, read from its own final Response. */
function expectedFrom(group: Json[]): { text: string; reasoning: string; encrypted: string[]; calls: Json[]; usage: Json; status: string } {
  const last = group[group.length - 1];
  // Encrypted content is re-encrypted every time it is serialized: the final Response holds a
  // different (equally valid) token than output_item.done, which is the one a stream delivers.
  const encrypted: string[] = [];
  for (const ev of group) {
    const item = ev.item as Json | undefined;
    if (ev.type === 'response.output_item.done' && item?.type === 'reasoning' && item.encrypted_content) encrypted.push(String(item.encrypted_content));
  }
  const r = last.response as Json;
  const output = r.output as Json[];
  let text = '';
  const summaries: string[] = [];
  const calls: Json[] = [];
  for (const item of output) {
    if (item.type === 'message') for (const c of item.content as Json[]) text += String(c.text ?? '');
    if (item.type === 'reasoning') for (const s of item.summary as Json[]) summaries.push(String(s.text));
    if (item.type === 'function_call') calls.push(item);
  }
  return { text, reasoning: summaries.join('\n\n'), encrypted, calls, usage: r.usage as Json, status: String(r.status) };
}

const STREAM_FIXTURES = fixtureManifest().filter((e) => e.format === 'openai_responses' && e.streaming);

test('every recorded Responses stream decodes to what its final Response says (random byte splits)', () => {
  assert.ok(STREAM_FIXTURES.length >= 6);
  let seed = 7;
  for (const entry of STREAM_FIXTURES) {
    const groups = splitResponses('openai_responses', fixtureChunks(entry.file));
    assert.equal(groups.length, entry.http_responses, entry.file);
    for (const group of groups) {
      const last = group[group.length - 1];
      const events = decode(frameStream('openai_responses', group), seed++);
      const got = collect(events);
      assert.equal(got.afterTerminal, 0, `${entry.file}: nothing after the terminal event`);
      if (last.type === 'response.failed') {
        assert.equal(got.terminal?.type, 'error', entry.file);
        continue;
      }
      const want = expectedFrom(group);
      assert.equal(got.text, want.text, `${entry.file}: text`);
      assert.equal(got.reasoning, want.reasoning, `${entry.file}: reasoning`);
      assert.deepEqual(got.encrypted, want.encrypted, `${entry.file}: encrypted reasoning`);
      assert.deepEqual(
        got.calls.map((c) => ({ id: c.id, name: c.name, itemId: c.itemId, args: JSON.parse(c.args) })),
        want.calls.map((c) => ({ id: c.call_id, name: c.name, itemId: c.id, args: JSON.parse(String(c.arguments)) })),
        `${entry.file}: tool calls`,
      );
      const fin = got.terminal;
      assert.ok(fin?.type === 'finish', entry.file);
      assert.equal(fin.finishReason, want.calls.length ? 'tool_calls' : 'stop');
      const u = want.usage as {
        input_tokens: number;
        output_tokens: number;
        input_tokens_details: { cached_tokens: number };
        output_tokens_details: { reasoning_tokens: number };
      };
      assert.deepEqual(fin.usage, {
        inputTokens: u.input_tokens,
        outputTokens: u.output_tokens,
        cacheReadTokens: u.input_tokens_details.cached_tokens,
        reasoningTokens: u.output_tokens_details.reasoning_tokens,
      });
    }
  }
});

test('recorded streams: values read from the files', () => {
  const one = (file: string, i = 0) =>
    collect(decode(frameStream('openai_responses', splitResponses('openai_responses', fixtureChunks(`openai_responses/${file}`))[i])));

  const azure = one('azure-text.1.chunks.txt');
  assert.equal(azure.text, 'Hello');
  const start = decode(frameStream('openai_responses', fixtureChunks('openai_responses/azure-text.1.chunks.txt')))[0];
  assert.deepEqual(start, { type: 'start', id: 'resp_02ce8deeb6197db200698c5196e9588197a572bbea62d38cd1', model: 'gpt-5.1' });

  const tool = one('azure-tool-call.1.chunks.txt');
  assert.deepEqual(tool.calls[0], {
    id: 'call_H5DxLSFnsGhiROnUiDHmgyc8',
    name: 'weather',
    itemId: 'fc_04041325ab8ae30400698c51c5468c8197a395f18875a5339f',
    args: '{"location":"San Francisco"}',
  });

  const reasoning = one('openai-reasoning-encrypted-content.1.chunks.txt');
  assert.equal(
    reasoning.reasoning,
    "**Calculating step-by-step using calculator**\n\nI'll compute 12 plus 7, then multiply the result by 3, and finally multiply that by 10, reporting the final product.",
  );
  assert.equal(reasoning.encrypted.length, 1);
  assert.ok(reasoning.encrypted[0].startsWith('gAAAAABpPDIVOKrs'), 'the encrypted content of output_item.done, not of .added');
  assert.deepEqual(JSON.parse(reasoning.calls[0].args), { a: 12, b: 7, op: 'add' });
  const last = one('openai-reasoning-encrypted-content.1.chunks.txt', 3);
  assert.equal(last.text, 'The final result is **570**.');
  assert.ok(last.textEvents > 1, 'text arrives in several events');

  const phase = one('openai-phase.1.chunks.txt');
  // The recording was cut down (deltas elided): the .done events fill in the rest.
  assert.ok(phase.text.startsWith('Got it — I’ll quickly check'));
  assert.ok(phase.text.endsWith('investor-grade morning brief with timestamps.'));

  const web = one('openai-web-search-tool.1.chunks.txt');
  assert.equal(web.reasoning, '', 'reasoning items without summary or encrypted content emit nothing');
  assert.equal(web.calls.length, 0, 'hosted web_search_call items are not client tool calls');
  assert.ok(web.text.includes('vercel'));

  const err = one('openai-error.1.chunks.txt');
  assert.deepEqual(err.terminal, {
    type: 'error',
    error: {
      status: 429,
      kind: 'rate_limit',
      message:
        'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
      providerType: 'insufficient_quota',
    },
  });
});

test('stream decoder: truncation, failed without error event, id rotation, final-only servers', () => {
  const group = fixtureChunks('openai_responses/azure-text.1.chunks.txt');
  const cut = collect(decode(frameStream('openai_responses', group.slice(0, -1))));
  assert.equal(cut.text, 'Hello');
  assert.ok(cut.terminal?.type === 'error');
  assert.equal(cut.terminal.error.status, 502);
  assert.equal(cut.terminal.error.kind, 'upstream');

  const failed = collect(
    decode(
      frameStream('openai_responses', [
        { type: 'response.created', sequence_number: 0, response: { id: 'resp_1', model: 'm', status: 'in_progress', output: [] } },
        {
          type: 'response.failed',
          sequence_number: 1,
          response: { id: 'resp_1', status: 'failed', error: { code: 'rate_limit_exceeded', message: 'Request too large' } },
        },
      ]),
    ),
  );
  assert.ok(failed.terminal?.type === 'error');
  assert.equal(failed.terminal.error.status, 429);
  assert.equal(failed.terminal.error.message, 'Request too large');

  // The SDK types the error event flat ({code, message, param}); the API was recorded nesting it.
  const flat = collect(
    decode(
      frameStream('openai_responses', [
        { type: 'response.created', response: { id: 'resp_1', model: 'm', output: [] } },
        { type: 'error', code: 'server_error', message: 'Sorry, something went wrong.', param: null, sequence_number: 1 },
      ]),
    ),
  );
  assert.deepEqual(flat.terminal, {
    type: 'error',
    error: { status: 500, kind: 'server', message: 'Sorry, something went wrong.', providerType: 'server_error' },
  });

  // GitHub Copilot sends a new item_id with every event: items are tracked by output_index.
  const rotating = collect(
    decode(
      frameStream('openai_responses', [
        { type: 'response.created', response: { id: 'capture-id-1', model: 'gpt-5.3-codex', output: [] } },
        { type: 'response.output_item.added', output_index: 0, item: { id: 'capture-id-3', type: 'reasoning', summary: [], encrypted_content: null } },
        { type: 'response.reasoning_summary_part.added', item_id: 'capture-id-4', output_index: 0, summary_index: 0, part: { type: 'summary_text', text: '' } },
        { type: 'response.reasoning_summary_text.delta', item_id: 'capture-id-5', output_index: 0, summary_index: 0, delta: '**Counting**' },
        { type: 'response.reasoning_summary_part.added', item_id: 'capture-id-6', output_index: 0, summary_index: 1, part: { type: 'summary_text', text: '' } },
        { type: 'response.reasoning_summary_text.delta', item_id: 'capture-id-7', output_index: 0, summary_index: 1, delta: 'Second part' },
        {
          type: 'response.output_item.done',
          output_index: 0,
          item: {
            id: 'capture-id-8',
            type: 'reasoning',
            summary: [
              { type: 'summary_text', text: '**Counting**' },
              { type: 'summary_text', text: 'Second part' },
            ],
          },
        },
        { type: 'response.output_item.added', output_index: 1, item: { id: 'capture-id-9', type: 'message', role: 'assistant', content: [] } },
        { type: 'response.output_text.delta', item_id: 'capture-id-10', output_index: 1, content_index: 0, delta: 'There are ' },
        { type: 'response.output_text.delta', item_id: 'capture-id-11', output_index: 1, content_index: 0, delta: '3.' },
        {
          type: 'response.output_item.done',
          output_index: 1,
          item: { id: 'capture-id-12', type: 'message', content: [{ type: 'output_text', text: 'There are 3.' }] },
        },
        {
          type: 'response.completed',
          response: {
            id: 'capture-id-69',
            status: 'completed',
            output: [
              {
                id: 'capture-id-70',
                type: 'reasoning',
                summary: [
                  { type: 'summary_text', text: '**Counting**' },
                  { type: 'summary_text', text: 'Second part' },
                ],
              },
              { id: 'capture-id-71', type: 'message', content: [{ type: 'output_text', text: 'There are 3.' }] },
            ],
            usage: {
              input_tokens: 19,
              input_tokens_details: { cache_write_tokens: 0, cached_tokens: 0 },
              output_tokens: 105,
              output_tokens_details: { reasoning_tokens: 44 },
            },
          },
        },
      ]),
    ),
  );
  assert.equal(rotating.text, 'There are 3.');
  assert.equal(rotating.reasoning, '**Counting**\n\nSecond part');

  // A server that sends no deltas, only the final object.
  const finalOnly = collect(
    decode(
      frameStream('openai_responses', [
        { type: 'response.created', response: { id: 'resp_2', model: 'm', output: [] } },
        {
          type: 'response.completed',
          response: {
            id: 'resp_2',
            status: 'completed',
            output: [
              { id: 'msg_1', type: 'message', content: [{ type: 'output_text', text: 'Just this.' }] },
              { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{"x":1}' },
            ],
            usage: { input_tokens: 1, output_tokens: 2 },
          },
        },
      ]),
    ),
  );
  assert.equal(finalOnly.text, 'Just this.');
  assert.deepEqual(finalOnly.calls, [{ id: 'call_1', name: 'f', itemId: 'fc_1', args: '{"x":1}' }]);
  assert.ok(finalOnly.terminal?.type === 'finish' && finalOnly.terminal.finishReason === 'tool_calls');

  const incomplete = collect(
    decode(
      frameStream('openai_responses', [
        { type: 'response.created', response: { id: 'resp_3', model: 'm', output: [] } },
        { type: 'response.incomplete', response: { id: 'resp_3', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [] } },
      ]),
    ),
  );
  assert.ok(incomplete.terminal?.type === 'finish' && incomplete.terminal.finishReason === 'length');
});

test('stream decoder: encrypted reasoning of a tool-calling stream goes to the ReasoningStore', () => {
  const store = new ReasoningStore();
  const group = splitResponses('openai_responses', fixtureChunks('openai_responses/openai-reasoning-encrypted-content.1.chunks.txt'))[0];
  decode(frameStream('openai_responses', group), 3, store);
  const saved = store.get('call_AB6AaRZ1FYZB2RwS6A5vbdqn', 'openai');
  assert.ok(saved);
  assert.equal(saved.itemId, 'fc_01830d662ab3856501693c32151234819091cfca267e98cc5f');
  assert.equal(saved.parts[0].itemId, 'rs_01830d662ab3856501693c321405c88190be3ab04d5782d5f9');
  assert.ok(saved.parts[0].encrypted?.startsWith('gAAAAABpPDIV'));
  assert.equal(store.get('call_AB6AaRZ1FYZB2RwS6A5vbdqn', 'anthropic'), undefined);
});

// ------------------------------------------------------------ client stream encode

function clientRequest(): Request {
  return F.decodeRequest(
    { model: 'gpt-4o', input: 'Hi', tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} }, strict: false }] },
    {},
  );
}

function encode(events: StreamEvent[], request = clientRequest()): string {
  const enc = F.createStreamEncoder({ model: 'gpt-4o', request, reasoningStore: new ReasoningStore() });
  let out = '';
  for (const e of events) out += enc.push(e);
  return out;
}

function frames(sse: string): { event: string; data: Json }[] {
  return new SseReader().push(sse).map((e) => ({ event: e.event ?? '', data: JSON.parse(e.data) as Json }));
}

function sdkClient(sse: string): OpenAI {
  return new OpenAI({
    apiKey: 'x',
    baseURL: 'http://localhost/v1',
    maxRetries: 0,
    fetch: async () => new Response(sse, { headers: { 'content-type': 'text/event-stream' } }),
  });
}

const RICH_EVENTS: StreamEvent[] = [
  { type: 'start', id: 'msg_01abc', model: 'claude-sonnet-4', usage: { inputTokens: 50 } },
  { type: 'reasoning', text: 'The user wants ', family: 'anthropic' },
  { type: 'reasoning', text: 'the weather.', family: 'anthropic' },
  { type: 'reasoning', signature: 'EqQBCkYIBxgCKkB', family: 'anthropic' },
  { type: 'text', text: 'Let me ' },
  { type: 'text', text: 'check.' },
  { type: 'tool_call', index: 0, id: 'toolu_01', name: 'get_weather', argumentsDelta: '{"ci' },
  { type: 'tool_call', index: 0, argumentsDelta: 'ty":"Paris"}' },
  { type: 'tool_call', index: 1, id: 'toolu_02', name: 'get_weather' },
  { type: 'usage', usage: { outputTokens: 30 } },
  { type: 'finish', finishReason: 'tool_calls', usage: { outputTokens: 42, reasoningTokens: 12, cacheReadTokens: 20 } },
];

test('stream encoder: the exact typed event sequence with increasing sequence numbers', () => {
  const out = frames(encode(RICH_EVENTS));
  assert.deepEqual(
    out.map((f) => f.event),
    [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ],
  );
  out.forEach((f, i) => {
    assert.equal(f.data.type, f.event);
    assert.equal(f.data.sequence_number, i);
  });
  const delta = out[11].data;
  assert.deepEqual(Object.keys(delta), ['type', 'sequence_number', 'item_id', 'output_index', 'content_index', 'delta', 'logprobs']);
  assert.equal(delta.output_index, 1);
  assert.equal(out[22].data.delta, '{}', 'a call without arguments gets {}');
  const completed = out[out.length - 1].data.response as Json;
  assert.equal(completed.status, 'completed');
  assert.match(String(completed.id), /^resp_/);
  assert.equal(completed.model, 'gpt-4o');
  assert.deepEqual(completed.usage, {
    input_tokens: 50,
    input_tokens_details: { cached_tokens: 20 },
    output_tokens: 42,
    output_tokens_details: { reasoning_tokens: 12 },
    total_tokens: 92,
  });
  const output = completed.output as Json[];
  assert.deepEqual(
    output.map((o) => o.type),
    ['reasoning', 'message', 'function_call', 'function_call'],
  );
  assert.deepEqual(output[0].summary, [{ type: 'summary_text', text: 'The user wants the weather.' }]);
  assert.equal('encrypted_content' in output[0], false);
  assert.equal(output[2].arguments, '{"city":"Paris"}');
  assert.equal(output[3].arguments, '{}');
});

test('stream encoder → official SDK: ResponseStream.finalResponse() and create({stream:true}) iteration', async () => {
  const sse = encode(RICH_EVENTS);
  const final = await sdkClient(sse).responses.stream({ model: 'gpt-4o', input: 'Hi' }).finalResponse();
  assert.equal(final.output_text, 'Let me check.');
  assert.equal(final.status, 'completed');
  const calls = final.output.filter((o) => o.type === 'function_call');
  assert.deepEqual(
    calls.map((c) => [c.call_id, c.name, c.arguments]),
    [
      ['toolu_01', 'get_weather', '{"city":"Paris"}'],
      ['toolu_02', 'get_weather', '{}'],
    ],
  );
  const reasoning = final.output.find((o) => o.type === 'reasoning');
  assert.deepEqual(reasoning?.type === 'reasoning' && reasoning.summary, [{ type: 'summary_text', text: 'The user wants the weather.' }]);

  const stream = await sdkClient(sse).responses.create({ model: 'gpt-4o', input: 'Hi', stream: true });
  let text = '';
  let args = '';
  let completed: OpenAI.Responses.Response | undefined;
  for await (const ev of stream) {
    if (ev.type === 'response.output_text.delta') text += ev.delta;
    if (ev.type === 'response.function_call_arguments.delta') args += ev.delta;
    if (ev.type === 'response.completed') completed = ev.response;
  }
  assert.equal(text, 'Let me check.');
  assert.equal(args, '{"city":"Paris"}{}');
  assert.equal(completed?.usage?.total_tokens, 92);
});

test('stream encoder: length → response.incomplete; content before start; finish without start', async () => {
  const len = frames(
    encode([
      { type: 'text', text: 'Once upon' },
      { type: 'finish', finishReason: 'length' },
    ]),
  );
  assert.deepEqual(len.map((f) => f.event).slice(0, 3), ['response.created', 'response.in_progress', 'response.output_item.added']);
  const last = len[len.length - 1];
  assert.equal(last.event, 'response.incomplete');
  const resp = last.data.response as Json;
  assert.deepEqual(resp.incomplete_details, { reason: 'max_output_tokens' });
  assert.equal((resp.output as Json[])[0].status, 'incomplete');

  const bare = encode([{ type: 'finish', finishReason: 'stop' }]);
  const final = await sdkClient(bare).responses.stream({ model: 'gpt-4o', input: 'Hi' }).finalResponse();
  assert.equal(final.output_text, '');
  assert.equal(final.status, 'completed');

  const cf = frames(
    encode([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'text', text: 'no' },
      { type: 'finish', finishReason: 'content_filter' },
    ]),
  );
  assert.deepEqual((cf[cf.length - 1].data.response as Json).incomplete_details, { reason: 'content_filter' });
});

test('stream encoder: an error mid-stream is an error event then response.failed, nothing after; the SDK throws', async () => {
  const events: StreamEvent[] = [
    { type: 'start', id: 'a', model: 'm' },
    { type: 'text', text: 'one ' },
    { type: 'error', error: { status: 503, kind: 'overloaded', message: 'Overloaded, try later', providerType: 'overloaded_error' } },
  ];
  const enc = F.createStreamEncoder({ model: 'gpt-4o', request: clientRequest(), reasoningStore: new ReasoningStore() });
  let sse = '';
  for (const e of events) sse += enc.push(e);
  assert.equal(enc.push({ type: 'text', text: 'late' }), '');
  assert.equal(enc.push({ type: 'finish', finishReason: 'stop' }), '');
  const out = frames(sse);
  assert.deepEqual(out.map((f) => f.event).slice(-2), ['error', 'response.failed']);
  assert.deepEqual(out[out.length - 2].data.error, { message: 'Overloaded, try later', type: 'server_error', param: null, code: 'overloaded_error' });
  const failed = out[out.length - 1].data.response as Json;
  assert.equal(failed.status, 'failed');
  assert.deepEqual(failed.error, { code: 'overloaded_error', message: 'Overloaded, try later' });

  await assert.rejects(sdkClient(sse).responses.stream({ model: 'gpt-4o', input: 'Hi' }).finalResponse(), /Overloaded, try later/);
  const it = await sdkClient(sse).responses.create({ model: 'gpt-4o', input: 'Hi', stream: true });
  await assert.rejects(async () => {
    for await (const _ of it) void _;
  }, OpenAI.APIError);

  // An error before anything else still starts the response first, as the API does.
  const early = frames(encode([{ type: 'error', error: { status: 502, kind: 'upstream', message: 'stream ended early' } }]));
  assert.deepEqual(
    early.map((f) => f.event),
    ['response.created', 'response.in_progress', 'error', 'response.failed'],
  );
});

test('stream encoder → decoder round trip, OpenAI reasoning keeps id and encrypted content', () => {
  const events: StreamEvent[] = [
    { type: 'start', id: 'resp_up', model: 'gpt-5' },
    { type: 'reasoning', text: 'First.', family: 'openai', itemId: 'rs_1' },
    { type: 'reasoning', encrypted: ENC, family: 'openai', itemId: 'rs_1' },
    { type: 'reasoning', text: '\n\nSecond.', family: 'openai', itemId: 'rs_2' },
    { type: 'text', text: 'Answer', itemId: 'msg_1' },
    { type: 'text', text: ' two', itemId: 'msg_2' },
    { type: 'tool_call', index: 0, id: 'call_1', name: 'f', itemId: 'fc_1', argumentsDelta: '{"a":' },
    { type: 'tool_call', index: 0, argumentsDelta: '1}' },
    { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 3, outputTokens: 4 } },
  ];
  const sse = encode(events);
  const out = frames(sse);
  const completed = out[out.length - 1].data.response as Json;
  assert.equal(completed.id, 'resp_up');
  const output = completed.output as Json[];
  assert.deepEqual(
    output.map((o) => o.id),
    ['rs_1', 'rs_2', 'msg_1', 'msg_2', 'fc_1'],
  );
  assert.equal(output[0].encrypted_content, ENC);
  assert.deepEqual(output[1].summary, [{ type: 'summary_text', text: 'Second.' }]);

  const back = collect(decode(sse, 11));
  assert.equal(back.text, 'Answer two');
  assert.equal(back.reasoning, 'First.\n\nSecond.');
  assert.deepEqual(back.encrypted, [ENC]);
  assert.deepEqual(back.calls, [{ id: 'call_1', name: 'f', itemId: 'fc_1', args: '{"a":1}' }]);
  assert.ok(back.terminal?.type === 'finish');
  assert.equal(back.terminal.finishReason, 'tool_calls');
  assert.deepEqual(back.terminal.usage, { inputTokens: 3, outputTokens: 4, cacheReadTokens: 0, reasoningTokens: 0 });
});

test('recorded streams through decoder → encoder → official SDK: same text and calls', async () => {
  for (const entry of STREAM_FIXTURES) {
    for (const group of splitResponses('openai_responses', fixtureChunks(entry.file))) {
      if (group[group.length - 1].type === 'response.failed') continue;
      const want = expectedFrom(group);
      const sse = encode(decode(frameStream('openai_responses', group), 5));
      const final = await sdkClient(sse).responses.stream({ model: 'gpt-4o', input: 'Hi' }).finalResponse();
      assert.equal(final.output_text, want.text, entry.file);
      assert.deepEqual(
        final.output.filter((o) => o.type === 'function_call').map((c) => (c.type === 'function_call' ? [c.call_id, c.name, c.arguments] : [])),
        want.calls.map((c) => [c.call_id, c.name, c.arguments]),
        entry.file,
      );
    }
  }
});

test('mock streams: decoded by the decoder, cut streams end in an error', () => {
  const body = (r: ReturnType<typeof responsesMock.renderReply>) => (r.body as string[]).join('');
  const full = responsesMock.renderReply(
    {
      model: 'gpt-5',
      reasoning: 'Think.',
      text: 'one two three',
      toolCalls: [{ id: 'call_7', name: 'f', arguments: { q: 'x' } }],
      finish: 'tool_calls',
      usage: { input: 9, output: 8 },
    },
    true,
  );
  assert.equal(full.headers['content-type'], 'text/event-stream; charset=utf-8');
  const got = collect(decode(body(full), 2));
  assert.equal(got.text, 'one two three');
  assert.equal(got.textEvents, 3);
  assert.equal(got.reasoning, 'Think.');
  assert.equal(got.encrypted.length, 1);
  assert.deepEqual(
    got.calls.map((c) => [c.id, JSON.parse(c.args)]),
    [['call_7', { q: 'x' }]],
  );
  assert.ok(got.terminal?.type === 'finish' && got.terminal.finishReason === 'tool_calls');

  const broken = responsesMock.renderReply({ model: 'm', text: 'a b c d', breakAfter: 2 }, true);
  assert.equal(broken.destroy, true);
  const cut = collect(decode(body(broken)));
  assert.equal(cut.text, 'a b ');
  assert.ok(cut.terminal?.type === 'error' && cut.terminal.error.status === 502);

  const errored = responsesMock.renderReply({ model: 'm', text: 'a b c d', errorAfter: 1 }, true);
  const e = collect(decode(body(errored)));
  assert.equal(e.text, 'a ');
  assert.ok(e.terminal?.type === 'error' && e.terminal.error.status === 500);

  const len = collect(decode(body(responsesMock.renderReply({ model: 'm', text: 'cut', finish: 'length' }, true))));
  assert.ok(len.terminal?.type === 'finish' && len.terminal.finishReason === 'length');
});

test('property: any hub event sequence encodes to a stream the SDK accumulates to the same text and calls', async () => {
  const content = fc.oneof(
    fc.record({ type: fc.constant('text' as const), text: fc.string({ minLength: 1, maxLength: 8 }) }),
    fc.record({
      type: fc.constant('reasoning' as const),
      text: fc.string({ minLength: 1, maxLength: 8 }),
      family: fc.constantFrom('anthropic' as const, 'gemini' as const),
    }),
    fc.record({ type: fc.constant('tool_call' as const), fresh: fc.boolean(), delta: fc.string({ maxLength: 6 }) }),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(content, { maxLength: 12 }),
      fc.constantFrom('stop' as const, 'length' as const, 'tool_calls' as const),
      async (items, finishReason) => {
        const events: StreamEvent[] = [{ type: 'start', id: 'x', model: 'm' }];
        let text = '';
        let calls = 0;
        const args: string[] = [];
        let previous = '';
        for (const it of items) {
          const continues = it.type === 'tool_call' && !it.fresh && previous === 'tool_call';
          previous = it.type;
          if (it.type === 'text') {
            text += it.text;
            events.push({ type: 'text', text: it.text });
          } else if (it.type === 'reasoning') {
            events.push({ type: 'reasoning', text: it.text, family: it.family });
          } else if (!continues) {
            events.push({ type: 'tool_call', index: calls, id: `call_${calls}`, name: 'f', argumentsDelta: it.delta });
            args[calls++] = it.delta;
          } else {
            events.push({ type: 'tool_call', index: calls - 1, argumentsDelta: it.delta });
            args[calls - 1] += it.delta;
          }
        }
        events.push({ type: 'finish', finishReason });
        const sse = encode(events);
        const seqs = frames(sse).map((f) => f.data.sequence_number);
        assert.deepEqual(
          seqs,
          seqs.map((_, i) => i),
        );
        const final = await sdkClient(sse).responses.stream({ model: 'gpt-4o', input: 'Hi' }).finalResponse();
        assert.equal(final.output_text, text);
        const got = final.output.filter((o) => o.type === 'function_call').map((c) => (c.type === 'function_call' ? c.arguments : ''));
        assert.deepEqual(
          got,
          args.map((a) => a || '{}'),
        );
      },
    ),
    { numRuns: 60, seed: 42 },
  );
});
