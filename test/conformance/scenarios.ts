import assert from 'node:assert/strict';
import type { FormatId, Request as IRRequest, ToolCallPart, ToolResultPart, ImagePart } from '../../src/ir/types.js';
import type { ChatInput, ChatResult } from './clients.js';
import type { MockAction, ReceivedRequest } from '../mocks/server.js';

/** A 1×1 transparent PNG. */
export const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'], additionalProperties: false },
};

export interface CellContext {
  client: FormatId;
  downstream: FormatId;
  stream: boolean;
  /** The request the mock provider received, decoded into the hub for format-independent checks. */
  received?: ReceivedRequest;
  receivedIR?: IRRequest;
}

export interface Scenario {
  name: string;
  streamOnly?: boolean;
  input(model: string): ChatInput;
  reply(model: string): MockAction;
  /** Assert on what the client's SDK returned and what the mock received. */
  check(result: ChatResult, cx: CellContext): void;
  /** The SDK call is expected to throw; assert on the error. */
  expectError?(err: unknown, cx: CellContext): void;
}

/** Both ends carry tool-call ids (Gemini's API has none of its own). */
const idsCarried = (cx: CellContext) => cx.client !== 'gemini' && cx.downstream !== 'gemini';

function irText(ir: IRRequest | undefined): string {
  if (!ir) return '';
  return ir.messages
    .flatMap((m) => m.parts)
    .map((p) => (p.type === 'text' ? p.text : p.type === 'tool_result' ? p.content.map((c) => (c.type === 'text' ? c.text : '')).join('') : ''))
    .join('\n');
}

function errorStatus(err: unknown): number | undefined {
  const e = err as { status?: number; code?: number };
  if (typeof e.status === 'number') return e.status;
  if (typeof e.code === 'number') return e.code;
  const m = /(?:got status|status)[:\s]+(\d{3})/i.exec(String((err as Error).message));
  return m ? Number(m[1]) : undefined;
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'text',
    input: (model) => ({ model, turns: [{ role: 'user', text: 'Say hello' }] }),
    reply: (model) => ({ model, text: 'Hello there, it is a fine day!', usage: { input: 25, output: 9 } }),
    check(r, cx) {
      assert.equal(r.text, 'Hello there, it is a fine day!');
      assert.equal(r.finish, 'stop');
      assert.equal(r.usage.input, 25, 'input tokens');
      assert.equal(r.usage.output, 9, 'output tokens');
      if (cx.stream) assert.ok((r.deltas ?? 0) > 1, `stream arrived in ${r.deltas} pieces, expected several`);
    },
  },
  {
    name: 'system prompt',
    input: (model) => ({ model, system: 'You are terse. Answer in one word.', turns: [{ role: 'user', text: 'Capital of France?' }] }),
    reply: (model) => ({ model, text: 'Paris', usage: { input: 30, output: 2 } }),
    check(r, cx) {
      assert.equal(r.text, 'Paris');
      const sys = cx.receivedIR?.system.map((s) => s.text).join('\n') ?? '';
      assert.match(sys, /You are terse\. Answer in one word\./);
      assert.doesNotMatch(irText(cx.receivedIR), /You are terse/, 'system prompt must not be sent as a conversation turn');
    },
  },
  {
    name: 'multi-turn',
    input: (model) => ({
      model,
      turns: [
        { role: 'user', text: 'Hi, I am Ann.' },
        { role: 'assistant', text: 'Hello Ann!' },
        { role: 'user', text: 'What is my name?' },
      ],
    }),
    reply: (model) => ({ model, text: 'Your name is Ann.', usage: { input: 40, output: 5 } }),
    check(r, cx) {
      assert.equal(r.text, 'Your name is Ann.');
      const msgs = cx.receivedIR!.messages.filter((m) => m.role !== 'tool');
      assert.deepEqual(
        msgs.map((m) => m.role),
        ['user', 'assistant', 'user'],
      );
      assert.match(irText(cx.receivedIR), /Hi, I am Ann\.[\s\S]*Hello Ann![\s\S]*What is my name\?/);
    },
  },
  {
    name: 'tool call',
    input: (model) => ({ model, tools: [WEATHER_TOOL], turns: [{ role: 'user', text: 'Weather in Paris?' }] }),
    reply: (model) => ({
      model,
      toolCalls: [{ id: 'call_w1x2', name: 'get_weather', arguments: { city: 'Paris' } }],
      finish: 'tool_calls',
      usage: { input: 60, output: 12 },
    }),
    check(r, cx) {
      assert.equal(r.toolCalls.length, 1);
      assert.equal(r.toolCalls[0].name, 'get_weather');
      assert.deepEqual(r.toolCalls[0].args, { city: 'Paris' });
      assert.equal(r.finish, 'tool_calls');
      if (idsCarried(cx)) assert.equal(r.toolCalls[0].id, 'call_w1x2', 'tool-call id kept');
      const tools = cx.receivedIR?.tools ?? [];
      assert.ok(
        tools.some((t) => t.type === 'function' && t.name === 'get_weather'),
        'tool definition forwarded',
      );
    },
  },
  {
    name: 'tool result follow-up',
    input: (model) => ({
      model,
      tools: [WEATHER_TOOL],
      turns: [
        { role: 'user', text: 'Weather in Paris?' },
        { role: 'tool_call', id: 'call_w1x2', name: 'get_weather', args: { city: 'Paris' } },
        { role: 'tool_result', id: 'call_w1x2', name: 'get_weather', result: '18C and sunny' },
      ],
    }),
    reply: (model) => ({ model, text: 'It is 18C and sunny in Paris.', usage: { input: 80, output: 10 } }),
    check(r, cx) {
      assert.equal(r.text, 'It is 18C and sunny in Paris.');
      const parts = cx.receivedIR!.messages.flatMap((m) => m.parts);
      const call = parts.find((p): p is ToolCallPart => p.type === 'tool_call');
      const result = parts.find((p): p is ToolResultPart => p.type === 'tool_result');
      assert.ok(call && result, 'tool call and its result reach the provider');
      assert.equal(call.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });
      assert.equal(result.toolCallId, call.id, 'result paired with its call');
      if (idsCarried(cx)) assert.equal(call.id, 'call_w1x2');
      assert.match(irText(cx.receivedIR), /18C and sunny/);
    },
  },
  {
    name: 'image input',
    input: (model) => ({ model, turns: [{ role: 'user', text: 'What is in this image?', imageBase64: { data: TINY_PNG, mediaType: 'image/png' } }] }),
    reply: (model) => ({ model, text: 'A transparent pixel.', usage: { input: 90, output: 4 } }),
    check(r, cx) {
      assert.equal(r.text, 'A transparent pixel.');
      const img = cx.receivedIR!.messages.flatMap((m) => m.parts).find((p): p is ImagePart => p.type === 'image');
      assert.ok(img, 'image reaches the provider');
      assert.equal(img.source.kind, 'base64');
      if (img.source.kind === 'base64') {
        assert.equal(img.source.data, TINY_PNG);
        assert.equal(img.source.mediaType, 'image/png');
      }
    },
  },
  {
    name: 'reasoning',
    input: (model) => ({ model, reasoning: true, turns: [{ role: 'user', text: 'What is 6 times 7?' }] }),
    reply: (model) => ({ model, reasoning: 'Six times seven is forty-two.', text: '42', usage: { input: 20, output: 30, reasoning: 24 } }),
    check(r, cx) {
      assert.equal(r.text, '42', 'reasoning never leaks into the visible text');
      assert.match(r.reasoning, /Six times seven is forty-two\./, 'reasoning arrives as the client format’s native reasoning');
      assert.ok(cx.receivedIR?.reasoning?.enabled, 'reasoning turned on upstream');
      assert.equal(r.usage.output, 30);
    },
  },
  {
    name: 'structured output',
    input: (model) => ({
      model,
      jsonSchema: {
        name: 'answer',
        schema: { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'], additionalProperties: false },
      },
      turns: [{ role: 'user', text: 'Answer 42 as JSON' }],
    }),
    reply: (model) => ({ model, text: '{"answer":42}', usage: { input: 50, output: 6 } }),
    check(r, cx) {
      assert.deepEqual(JSON.parse(r.text), { answer: 42 });
      assert.match(JSON.stringify(cx.received!.body), /answer/, 'the schema reaches the provider');
    },
  },
  {
    name: 'length finish',
    input: (model) => ({ model, maxTokens: 20, turns: [{ role: 'user', text: 'Write a long story' }] }),
    reply: (model) => ({ model, text: 'Once upon a time there', finish: 'length', usage: { input: 10, output: 20 } }),
    check(r, cx) {
      assert.equal(r.finish, 'length');
      assert.equal(r.text, 'Once upon a time there');
      const max = cx.receivedIR?.maxTokens;
      assert.equal(max, 20, 'max tokens forwarded');
    },
  },
  {
    name: 'usage with cache',
    input: (model) => ({ model, system: 'A long and stable system prompt.', turns: [{ role: 'user', text: 'Hello again' }] }),
    reply: (model) => ({ model, text: 'Hi!', usage: { input: 1200, output: 3, cacheRead: 1000 } }),
    check(r) {
      assert.equal(r.usage.input, 1200, 'input = all prompt tokens');
      assert.equal(r.usage.cacheRead, 1000, 'cache-read tokens');
      assert.equal(r.usage.output, 3);
    },
  },
  {
    name: 'downstream 429',
    input: (model) => ({ model, turns: [{ role: 'user', text: 'Hello' }] }),
    reply: () => ({ error: { status: 429, message: 'Rate limit reached for requests', retryAfter: '7' } }),
    check() {
      assert.fail('expected the SDK to throw');
    },
    expectError(err) {
      assert.equal(errorStatus(err), 429, `status: ${(err as Error).message}`);
      assert.match(String((err as Error).message), /Rate limit reached/);
    },
  },
  {
    name: 'downstream 500',
    input: (model) => ({ model, turns: [{ role: 'user', text: 'Hello' }] }),
    reply: () => ({ error: { status: 500, message: 'The server had an error processing your request' } }),
    check() {
      assert.fail('expected the SDK to throw');
    },
    expectError(err) {
      const s = errorStatus(err);
      assert.ok(s !== undefined && s >= 500 && s <= 504, `status ${s}: ${(err as Error).message}`);
      assert.match(String((err as Error).message), /server had an error/);
    },
  },
  {
    name: 'mid-stream error',
    streamOnly: true,
    input: (model) => ({ model, turns: [{ role: 'user', text: 'Tell me something' }] }),
    reply: (model) => ({ model, text: 'one two three four five six', errorAfter: 2, usage: { input: 5, output: 6 } }),
    check(r) {
      // Some SDKs surface an error event by throwing; none may report a normal finish.
      assert.notEqual(r.finish, 'stop', 'a failed stream must not end with a normal finish');
    },
    expectError(err) {
      assert.ok(err instanceof Error);
    },
  },
];
