/**
 * The official @anthropic-ai/sdk parses what this module sends to Anthropic clients: the
 * client gets a custom fetch that answers with the encoder's bytes (no network).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic, { APIError, RateLimitError } from '@anthropic-ai/sdk';
import { anthropicFormat } from '../../src/formats/anthropic/index.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import type { Request, Response as HubResponse, StreamEvent } from '../../src/ir/types.js';
import { SseReader } from '../../src/util/sse.js';
import { fixtureChunks, frameStream, splitResponses } from '../helpers/fixtures.js';

const request = { model: 'claude-client-model', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'hi' }] };

function clientCtx(sourceFormat: Request['sourceFormat'] = 'openai') {
  return {
    model: 'claude-client-model',
    request: { model: 'claude-client-model', system: [], messages: [], stream: true, sourceFormat } as Request,
    reasoningStore: new ReasoningStore(),
  };
}

function sdk(body: string, init: { status?: number; contentType: string }): Anthropic {
  return new Anthropic({
    apiKey: 'x',
    baseURL: 'http://localhost',
    maxRetries: 0,
    fetch: async () => new Response(body, { status: init.status ?? 200, headers: { 'content-type': init.contentType } }),
  });
}

function sse(events: StreamEvent[], sourceFormat: Request['sourceFormat'] = 'openai'): string {
  const enc = anthropicFormat.createStreamEncoder(clientCtx(sourceFormat));
  return events.map((e) => enc.push(e)).join('');
}

const events: StreamEvent[] = [
  { type: 'start', id: 'resp_abc', model: 'gpt-5', usage: { inputTokens: 100, cacheReadTokens: 64 } },
  { type: 'reasoning', text: 'Thinking about ', family: 'openai', encrypted: 'gAAA' },
  { type: 'reasoning', text: 'the weather.', family: 'openai' },
  { type: 'text', text: 'Let me look ' },
  { type: 'text', text: 'that up.' },
  { type: 'tool_call', index: 0, id: 'call_W1', name: 'weather' },
  { type: 'tool_call', index: 0, argumentsDelta: '{"city": "Par' },
  { type: 'tool_call', index: 0, argumentsDelta: 'is", "days": [1, 2]}' },
  { type: 'tool_call', index: 1, id: 'call_T2', name: 'time' },
  { type: 'usage', usage: { outputTokens: 42 } },
  { type: 'finish', finishReason: 'tool_calls' },
];

test('SDK messages.stream().finalMessage() accepts the encoder output', async () => {
  const client = sdk(sse(events), { contentType: 'text/event-stream' });
  const msg = await client.messages.stream(request).finalMessage();
  assert.match(msg.id, /^msg_01/);
  assert.equal(msg.model, 'claude-client-model');
  assert.equal(msg.role, 'assistant');
  assert.deepEqual(msg.content, [
    { type: 'thinking', thinking: 'Thinking about the weather.', signature: '' },
    { type: 'text', text: 'Let me look that up.' },
    { type: 'tool_use', id: 'call_W1', name: 'weather', input: { city: 'Paris', days: [1, 2] } },
    { type: 'tool_use', id: 'call_T2', name: 'time', input: {} },
  ]);
  assert.equal(msg.stop_reason, 'tool_use');
  assert.equal(msg.usage.input_tokens, 36);
  assert.equal(msg.usage.cache_read_input_tokens, 64);
  assert.equal(msg.usage.output_tokens, 42);
});

test('SDK async iteration sees the raw event sequence and helper events', async () => {
  const client = sdk(sse(events), { contentType: 'text/event-stream' });
  const stream = client.messages.stream(request);
  const texts: string[] = [];
  const thinking: string[] = [];
  stream.on('text', (t) => texts.push(t));
  stream.on('thinking', (t) => thinking.push(t));
  const types: string[] = [];
  for await (const ev of stream) types.push(ev.type);
  assert.equal(types[0], 'message_start');
  assert.equal(types[types.length - 1], 'message_stop');
  assert.equal(types.filter((t) => t === 'content_block_start').length, 4);
  assert.equal(types.filter((t) => t === 'content_block_stop').length, 4);
  assert.deepEqual(texts, ['Let me look ', 'that up.']);
  assert.deepEqual(thinking, ['Thinking about ', 'the weather.']);
});

test('SDK: a recorded Anthropic stream re-encoded keeps thinking signature, text and usage', async () => {
  const chunks = splitResponses('anthropic', fixtureChunks('anthropic/anthropic-clear-thinking.1.chunks.txt'))[0];
  const reader = new SseReader();
  const decoder = anthropicFormat.createStreamDecoder({ reasoningStore: new ReasoningStore() });
  const hub: StreamEvent[] = [];
  for (const ev of reader.push(frameStream('anthropic', chunks))) hub.push(...decoder.push(ev));
  hub.push(...decoder.end());
  const client = sdk(sse(hub, 'anthropic'), { contentType: 'text/event-stream' });
  const msg = await client.messages.stream(request).finalMessage();
  const sig = (chunks.find((c) => (c.delta as { type?: string } | undefined)?.type === 'signature_delta')?.delta as { signature: string }).signature;
  assert.equal(msg.id, 'msg_01Y6V41gqPaKWEw7iPouH7iW');
  assert.deepEqual(msg.content, [
    { type: 'thinking', thinking: 'The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185', signature: sig },
    { type: 'text', text: '925 ÷ 5 = 185' },
  ]);
  assert.equal(msg.stop_reason, 'end_turn');
  assert.equal(msg.usage.input_tokens, 69);
  assert.equal(msg.usage.output_tokens, 53);
});

test('SDK: an error event mid-stream rejects with the provider message', async () => {
  const wire = sse([
    { type: 'start', id: 'x', model: 'm' },
    { type: 'text', text: 'partial' },
    { type: 'error', error: { status: 529, kind: 'overloaded', message: 'Overloaded' } },
  ]);
  const client = sdk(wire, { contentType: 'text/event-stream' });
  await assert.rejects(client.messages.stream(request).finalMessage(), (e: unknown) => {
    assert.ok(e instanceof APIError, String(e));
    assert.match(String((e as Error).message), /Overloaded/);
    return true;
  });
});

test('SDK messages.create() parses encodeResponse JSON', async () => {
  const res: HubResponse = {
    id: 'gen-1',
    model: 'gemini-2.5-pro',
    parts: [
      { type: 'reasoning', text: 'thought', family: 'gemini', signature: 'gsig' },
      { type: 'text', text: 'Answer.' },
    ],
    finishReason: 'stop',
    usage: { inputTokens: 10, outputTokens: 5, reasoningTokens: 2 },
    sourceFormat: 'gemini',
  };
  const body = JSON.stringify(anthropicFormat.encodeResponse(res, clientCtx('gemini')));
  const msg = await sdk(body, { contentType: 'application/json' }).messages.create(request);
  assert.deepEqual(msg.content, [
    { type: 'thinking', thinking: 'thought', signature: '' },
    { type: 'text', text: 'Answer.' },
  ]);
  assert.equal(msg.stop_reason, 'end_turn');
  assert.equal(msg.usage.input_tokens, 10);
  assert.equal(msg.usage.output_tokens, 5);
});

test('SDK maps encodeError bodies to its error classes', async () => {
  const body = JSON.stringify(anthropicFormat.encodeError({ status: 429, kind: 'rate_limit', message: 'Too many requests' }));
  await assert.rejects(sdk(body, { status: 429, contentType: 'application/json' }).messages.create(request), (e: unknown) => {
    assert.ok(e instanceof RateLimitError, String(e));
    assert.match((e as Error).message, /Too many requests/);
    assert.equal((e as RateLimitError).type, 'rate_limit_error');
    return true;
  });
});
