/**
 * The official @google/genai SDK against a tiny HTTP server on 127.0.0.1 that serves this
 * module's encoder output: proves the SDK parses our JSON bodies, SSE streams and error
 * shapes, and that what the SDK sends decodes (and passes the strict mock).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, GoogleGenAI, Type } from '@google/genai';
import { geminiFormat } from '../../src/formats/gemini/index.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import type { Request, Response, StreamEvent } from '../../src/ir/types.js';
import type { ClientResponseContext } from '../../src/formats/types.js';
import { geminiMock } from '../mocks/gemini.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

interface Reply {
  status: number;
  contentType: string;
  /** Written one piece at a time, like a real stream. */
  pieces: string[];
}

let server: Server;
let baseUrl: string;
const seen: Seen[] = [];
const replies: Reply[] = [];

before(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', async () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: raw ? JSON.parse(raw) : undefined });
      const reply = replies.shift() ?? {
        status: 500,
        contentType: 'application/json',
        pieces: ['{"error":{"code":500,"message":"no reply queued","status":"INTERNAL"}}'],
      };
      res.writeHead(reply.status, { 'content-type': reply.contentType });
      for (const piece of reply.pieces) {
        res.write(piece);
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function client(): GoogleGenAI {
  return new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl } });
}

function ctx(model: string): ClientResponseContext {
  const request: Request = { model, system: [], messages: [{ role: 'user', parts: [{ type: 'text', text: 'q' }] }], stream: false, sourceFormat: 'gemini' };
  return { model, request, reasoningStore: new ReasoningStore() };
}

/** An answer as another provider family produced it (Anthropic ids and signatures). */
const HUB_ANSWER: Response = {
  id: 'msg_01XyZ',
  model: 'claude-sonnet-4-5',
  parts: [
    { type: 'reasoning', text: 'User wants the weather.', family: 'anthropic', signature: 'EqQBCkYI' },
    { type: 'text', text: 'Checking the weather.' },
    { type: 'tool_call', id: 'toolu_01A', name: 'get_weather', arguments: '{"city":"Paris","days":2}' },
    { type: 'tool_call', id: 'toolu_01B', name: 'get_time', arguments: '{}' },
  ],
  finishReason: 'tool_calls',
  rawFinishReason: 'tool_use',
  usage: { inputTokens: 420, outputTokens: 90, cacheReadTokens: 400, reasoningTokens: 30 },
  sourceFormat: 'anthropic',
};

test('@google/genai generateContent reads our JSON response; its request decodes and passes the mock', async () => {
  replies.push({
    status: 200,
    contentType: 'application/json; charset=UTF-8',
    pieces: [JSON.stringify(geminiFormat.encodeResponse(HUB_ANSWER, ctx('gemini-2.5-pro')))],
  });
  const response = await client().models.generateContent({
    model: 'gemini-2.5-pro',
    contents: [
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_time', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_time', response: { output: '10:00' } } }] },
    ],
    config: {
      systemInstruction: 'You are helpful.',
      temperature: 0.2,
      maxOutputTokens: 300,
      stopSequences: ['END'],
      thinkingConfig: { includeThoughts: true, thinkingBudget: 2048 },
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Forecast',
              parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING }, days: { type: Type.INTEGER } }, required: ['city'] },
            },
            { name: 'get_time' },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' as never } },
    },
  });
  assert.equal(response.text, 'Checking the weather.');
  assert.deepEqual(response.functionCalls, [
    { id: 'toolu_01A', name: 'get_weather', args: { city: 'Paris', days: 2 } },
    { id: 'toolu_01B', name: 'get_time', args: {} },
  ]);
  assert.equal(response.usageMetadata?.promptTokenCount, 420);
  assert.equal(response.usageMetadata?.candidatesTokenCount, 60);
  assert.equal(response.usageMetadata?.thoughtsTokenCount, 30);
  assert.equal(response.usageMetadata?.cachedContentTokenCount, 400);
  assert.equal(response.usageMetadata?.totalTokenCount, 510);
  assert.equal(response.candidates?.[0].finishReason, 'STOP');
  assert.equal(response.candidates?.[0].content?.parts?.[0].thought, true);
  assert.equal(response.modelVersion, 'gemini-2.5-pro');
  assert.equal(response.responseId, 'msg_01XyZ');
  assert.equal(JSON.stringify(response).includes('EqQBCkYI'), false, 'an Anthropic signature never reaches a Gemini client');

  const req = seen[seen.length - 1];
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/v1beta/models/gemini-2.5-pro:generateContent');
  assert.equal(req.headers['x-goog-api-key'], 'test-key');
  assert.deepEqual(geminiMock.validateRequest(req.body, req.headers, req.url), [], 'what the SDK sends passes the strict mock');
  const decoded = geminiFormat.decodeRequest(req.body, { pathModel: 'gemini-2.5-pro', pathStream: false });
  assert.deepEqual(decoded.system, [{ text: 'You are helpful.' }]);
  assert.equal(decoded.temperature, 0.2);
  assert.equal(decoded.maxTokens, 300);
  assert.deepEqual(decoded.stop, ['END']);
  assert.deepEqual(decoded.reasoning, { enabled: true, budgetTokens: 2048, summary: 'auto' });
  assert.deepEqual(decoded.toolChoice, { type: 'auto' });
  assert.deepEqual(decoded.tools?.[0], {
    type: 'function',
    name: 'get_weather',
    description: 'Forecast',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
  });
  const call = decoded.messages[1].parts[0];
  const result = decoded.messages[2].parts[0];
  assert.ok(call.type === 'tool_call' && result.type === 'tool_result');
  assert.equal(result.toolCallId, call.id);
});

function streamEvents(): StreamEvent[] {
  return [
    { type: 'start', id: 'resp_stream_1', model: 'gpt-5', usage: { inputTokens: 30 } },
    { type: 'reasoning', text: 'Thinking about ', family: 'openai' },
    { type: 'reasoning', text: 'the answer.', family: 'openai' },
    { type: 'text', text: 'The answer ' },
    { type: 'text', text: 'is 42.' },
    { type: 'tool_call', index: 0, id: 'call_abc', name: 'record', argumentsDelta: '{"value"' },
    { type: 'tool_call', index: 0, argumentsDelta: ':42}' },
    { type: 'usage', usage: { inputTokens: 30, outputTokens: 15, reasoningTokens: 5 } },
    { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 30, outputTokens: 20, reasoningTokens: 5 } },
  ];
}

test('@google/genai generateContentStream iterates our SSE stream', async () => {
  const enc = geminiFormat.createStreamEncoder(ctx('gemini-2.5-flash'));
  replies.push({
    status: 200,
    contentType: 'text/event-stream',
    pieces: streamEvents()
      .map((e) => enc.push(e))
      .filter(Boolean),
  });
  const stream = await client().models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'What is the answer?' });
  let text = '';
  let thoughts = '';
  const calls: unknown[] = [];
  let finish: string | undefined;
  let usage: unknown;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.text ?? '';
    for (const p of chunk.candidates?.[0]?.content?.parts ?? []) if (p.thought && p.text) thoughts += p.text;
    if (chunk.functionCalls) calls.push(...chunk.functionCalls);
    if (chunk.candidates?.[0]?.finishReason) finish = chunk.candidates[0].finishReason;
    if (chunk.usageMetadata) usage = chunk.usageMetadata;
  }
  assert.equal(chunks, 5, '2 thought chunks, 2 text chunks, the final chunk with the call');
  assert.equal(text, 'The answer is 42.');
  assert.equal(thoughts, 'Thinking about the answer.');
  assert.deepEqual(calls, [{ id: 'call_abc', name: 'record', args: { value: 42 } }]);
  assert.equal(finish, 'STOP');
  assert.deepEqual(usage, { promptTokenCount: 30, candidatesTokenCount: 15, totalTokenCount: 50, thoughtsTokenCount: 5 });
  const req = seen[seen.length - 1];
  assert.equal(req.url, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  assert.deepEqual(geminiMock.validateRequest(req.body, req.headers, req.url), []);
});

test('@google/genai surfaces our mid-stream error chunk as an ApiError with its status', async () => {
  const enc = geminiFormat.createStreamEncoder(ctx('gemini-2.5-flash'));
  const pieces = [
    enc.push({ type: 'start', id: 'r', model: 'x' }),
    enc.push({ type: 'text', text: 'Partial ' }),
    enc.push({ type: 'error', error: { status: 503, kind: 'overloaded', message: 'The model is overloaded.' } }),
  ].filter(Boolean);
  replies.push({ status: 200, contentType: 'text/event-stream', pieces });
  const stream = await client().models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' });
  let text = '';
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) text += chunk.text ?? '';
    })(),
    (e: unknown) => e instanceof ApiError && e.status === 503 && e.message.includes('The model is overloaded.'),
  );
  assert.equal(text, 'Partial ');
});

test('@google/genai reads our error body on an HTTP error status', async () => {
  const body = geminiFormat.encodeError({ status: 404, kind: 'not_found', message: 'Model nope not found. List models with GET /v1beta/models.' });
  replies.push({ status: 404, contentType: 'application/json; charset=UTF-8', pieces: [JSON.stringify(body)] });
  await assert.rejects(
    client().models.generateContent({ model: 'nope', contents: 'hi' }),
    (e: unknown) => e instanceof ApiError && e.status === 404 && e.message.includes('Model nope not found') && e.message.includes('NOT_FOUND'),
  );
});
