import { test } from 'node:test';
import assert from 'node:assert/strict';
import { geminiFormat } from '../../src/formats/gemini/index.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import type { Request } from '../../src/ir/types.js';
import { geminiMock } from '../mocks/gemini.js';

const KEY = { 'x-goog-api-key': 'test-key' };
const URL_PRO = '/v1beta/models/gemini-3-pro-preview:generateContent';
const URL_STREAM = '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';

function richRequest(): Request {
  return {
    model: 'gemini-3-pro-preview',
    system: [{ text: 'You are a travel agent.' }, { text: 'Answer briefly.', role: 'developer' }],
    messages: [
      {
        role: 'user',
        parts: [
          { type: 'text', text: 'Plan a trip. Here is a photo and a brochure.' },
          {
            type: 'image',
            source: {
              kind: 'base64',
              mediaType: 'image/png',
              data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
            },
          },
          { type: 'image', source: { kind: 'url', url: 'https://example.com/photos/eiffel.webp' } },
          { type: 'document', source: { kind: 'url', url: 'https://example.com/brochure.pdf' } },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', text: 'The user wants weather first.', family: 'anthropic', signature: 'EqQBCkYIBxgCKkD' },
          { type: 'text', text: 'Let me check the weather and flights.' },
          { type: 'tool_call', id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Paris","days":3}' },
          { type: 'tool_call', id: 'toolu_02', name: 'find_flights', arguments: '{"from":"BER","to":"CDG"}' },
        ],
      },
      {
        role: 'tool',
        parts: [
          { type: 'tool_result', toolCallId: 'toolu_01', content: [{ type: 'text', text: '{"forecast":["sun","rain","sun"]}' }] },
          {
            type: 'tool_result',
            toolCallId: 'toolu_02',
            isError: true,
            content: [
              { type: 'text', text: 'Flight API timed out' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } },
            ],
          },
        ],
      },
      { role: 'user', parts: [{ type: 'text', text: 'Try trains instead.' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_xyz', name: 'find_trains', arguments: '{"from":"Berlin","to":"Paris"}' }] },
      { role: 'tool', parts: [{ type: 'tool_result', toolCallId: 'call_xyz', content: [{ type: 'text', text: 'ICE 9551 at 09:00' }] }] },
    ],
    tools: [
      {
        type: 'function',
        name: 'get_weather',
        description: 'Forecast for a city',
        parameters: {
          $schema: 'http://json-schema.org/draft-07/schema#',
          type: 'object',
          properties: {
            city: { type: 'string', minLength: 1 },
            days: { type: 'integer', exclusiveMinimum: 0, default: 1 },
            units: { anyOf: [{ const: 'C' }, { const: 'F' }, { type: 'null' }] },
          },
          required: ['city'],
          additionalProperties: false,
        },
      },
      {
        type: 'function',
        name: 'find_flights',
        parameters: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } }, required: ['from', 'to'] },
      },
      { type: 'function', name: 'find_trains', parameters: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } } } },
      { type: 'function', name: 'now', parameters: { type: 'object', properties: {}, additionalProperties: false } },
    ],
    toolChoice: { type: 'auto' },
    maxTokens: 2048,
    temperature: 0.7,
    topP: 0.95,
    topK: 40,
    stop: ['###', 'END', 'STOP', 'DONE', 'FIN', 'EXTRA'],
    seed: 42,
    n: 1,
    presencePenalty: 0.1,
    frequencyPenalty: 0.1,
    responseFormat: {
      type: 'json_schema',
      name: 'plan',
      strict: true,
      schema: { type: 'object', properties: { steps: { type: 'array', items: { type: 'string' } } }, required: ['steps'], additionalProperties: false },
    },
    reasoning: { enabled: true, effort: 'high' },
    stream: false,
    sourceFormat: 'openai',
    extras: { service_tier: 'default', logprobs: true },
  };
}

function encode(req: Request, model = req.model, store = new ReasoningStore()): Record<string, unknown> {
  return geminiFormat.encodeRequest(req, { model, autoCache: false, anthropicVersion: '2023-06-01', reasoningStore: store });
}

test('the mock accepts what encodeRequest produces for a rich request (Gemini 3, signatures by placeholder)', () => {
  const body = encode(richRequest());
  assert.deepEqual(geminiMock.validateRequest(body, KEY, URL_PRO), []);
  assert.deepEqual(geminiMock.validateRequest(body, {}, `${URL_PRO}?key=abc`), [], '?key= works as auth too');
  const gc = body.generationConfig as Record<string, unknown>;
  assert.deepEqual(gc.thinkingConfig, { includeThoughts: true, thinkingLevel: 'HIGH' });
  assert.equal((gc.stopSequences as string[]).length, 5);
  assert.equal('service_tier' in body || 'logprobs' in body, false);
});

test('the mock accepts encodeRequest output for a 2.5 model with restored signatures and reasoning off', () => {
  const store = new ReasoningStore();
  store.put('toolu_01', { family: 'gemini', parts: [], thoughtSignature: 'c2lnbmF0dXJl' });
  const req = { ...richRequest(), model: 'gemini-2.5-flash', reasoning: { enabled: false } };
  const body = encode(req, 'gemini-2.5-flash', store);
  assert.deepEqual(geminiMock.validateRequest(body, KEY, URL_STREAM), []);
  const model = (body.contents as { parts: Record<string, unknown>[] }[])[1];
  assert.equal(model.parts[1].thoughtSignature, 'c2lnbmF0dXJl');
  assert.deepEqual((body.generationConfig as Record<string, unknown>).thinkingConfig, { thinkingBudget: 0 });
});

test('a Gemini client request survives decode → encode and is still valid', () => {
  const client = {
    systemInstruction: { parts: [{ text: 'sys' }] },
    contents: [
      { role: 'user', parts: [{ text: 'hi' }] },
      { role: 'model', parts: [{ functionCall: { name: 'f', args: { x: 1 } }, thoughtSignature: 'c2ln' }] },
      { role: 'user', parts: [{ functionResponse: { name: 'f', response: { output: 'ok' } } }] },
    ],
    tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'OBJECT', properties: { x: { type: 'INTEGER' } } } }] }],
    generationConfig: { thinkingConfig: { includeThoughts: true, thinkingLevel: 'LOW' } },
  };
  assert.deepEqual(geminiMock.validateRequest(client, KEY, URL_PRO), []);
  const hub = geminiFormat.decodeRequest(client, { pathModel: 'gemini-3-pro-preview' });
  const body = encode(hub);
  assert.deepEqual(geminiMock.validateRequest(body, KEY, URL_PRO), []);
  assert.equal((body.contents as { parts: Record<string, unknown>[] }[])[1].parts[0].thoughtSignature, 'c2ln');
});

test('the mock rejects what the real API rejects', () => {
  const ok = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
  const expectError = (body: unknown, re: RegExp, url = URL_STREAM, headers: Record<string, string> = KEY) => {
    const errors = geminiMock.validateRequest(body, headers, url);
    assert.ok(
      errors.some((e) => re.test(e)),
      `expected ${re} for ${JSON.stringify(body).slice(0, 200)}, got ${JSON.stringify(errors)}`,
    );
  };
  assert.deepEqual(geminiMock.validateRequest(ok, KEY, URL_STREAM), []);
  expectError(ok, /unregistered callers/, URL_STREAM, {});
  expectError(ok, /not found/, '/v1/chat/completions');
  expectError({ ...ok, model: 'gemini-2.5-flash' }, /Unknown name "model"/);
  expectError({ messages: [{ role: 'user', content: 'hi' }] }, /Unknown name "messages"/);
  expectError({ ...ok, max_tokens: 10 }, /Unknown name "max_tokens"/);
  expectError({ ...ok, stream: true }, /Unknown name "stream"/);
  expectError({ ...ok, labels: { team: 'a' } }, /Unknown name "labels"/);
  expectError({ contents: [] }, /contents is not specified/);
  expectError({}, /contents is not specified/);
  expectError({ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }, /valid role/);
  expectError({ contents: [{ role: 'system', parts: [{ text: 'x' }] }] }, /valid role/);
  expectError({ contents: [{ role: 'user', parts: [] }] }, /must not be empty/);
  expectError({ contents: [{ role: 'user', parts: [{ type: 'text', text: 'x' }] }] }, /Unknown name "type"/);
  expectError(
    { contents: [{ role: 'user', parts: [{ text: 'x', inlineData: { mimeType: 'image/png', data: 'AA==' } }] }] },
    /Oneof field 'data' is already set/,
  );
  expectError({ ...ok, systemInstruction: 'be nice' }, /system_instruction/);
  expectError({ ...ok, tools: [{ type: 'function', function: { name: 'f' } }] }, /Unknown name "type"/);
  const withParams = (parameters: unknown) => ({ ...ok, tools: [{ functionDeclarations: [{ name: 'f', parameters }] }] });
  expectError(withParams({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }), /Unknown name "additionalProperties"/);
  expectError(withParams({ $schema: 'x', type: 'object', properties: { a: { type: 'string' } } }), /Unknown name "\$schema"/);
  expectError(withParams({ type: 'object', properties: { a: { type: 'number', exclusiveMinimum: 0 } } }), /Unknown name "exclusiveMinimum"/);
  expectError(withParams({ type: 'object', properties: { a: { const: 'x' } } }), /Unknown name "const"/);
  expectError(withParams({ type: 'object', properties: { a: { type: ['string', 'null'] } } }), /Invalid value at .*\.type/);
  expectError(withParams({ type: 'object', patternProperties: { x: {} } }), /Unknown name "patternProperties"/);
  expectError(withParams({ type: 'object', properties: {} }), /should be non-empty for OBJECT type/);
  expectError(withParams({ type: 'object', properties: { a: { type: 'string' } }, required: ['b'] }), /property is not defined/);
  expectError(withParams({ type: 'object', properties: { a: { type: 'integer', enum: [1, 2] } } }), /enum/);
  // Upper- and lower-case OpenAPI types are both accepted, as by the real API.
  assert.deepEqual(geminiMock.validateRequest(withParams({ type: 'OBJECT', properties: { a: { type: 'STRING' } } }), KEY, URL_STREAM), []);
  assert.deepEqual(geminiMock.validateRequest(withParams({ type: 'object', properties: { a: { type: 'string' } } }), KEY, URL_STREAM), []);
  expectError({ ...ok, tools: [{ functionDeclarations: [{ name: '1bad name' }] }] }, /Invalid function name/);
  expectError({ ...ok, tools: [{ functionDeclarations: [{ name: 'f' }, { name: 'f' }] }] }, /Duplicate function declaration/);

  const callTurn = { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] };
  expectError(
    { contents: [{ role: 'user', parts: [{ text: 'x' }] }, callTurn, { role: 'user', parts: [{ functionResponse: { response: {} } }] }] },
    /Name cannot be empty/,
  );
  expectError({ contents: [{ role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }] }, /immediately after a function call turn/);
  expectError(
    {
      contents: [
        { role: 'user', parts: [{ text: 'x' }] },
        callTurn,
        { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }, { functionResponse: { name: 'f', response: {} } }] },
      ],
    },
    /number of function response parts is equal/,
  );
  expectError(
    { contents: [{ role: 'user', parts: [{ text: 'x' }] }, callTurn, { role: 'user', parts: [{ functionResponse: { name: 'g', response: {} } }] }] },
    /do not match/,
  );
  expectError(
    { contents: [{ role: 'user', parts: [{ text: 'x' }] }, callTurn, { role: 'user', parts: [{ functionResponse: { name: 'f' } }] }] },
    /response: Required/,
  );
  expectError({ contents: [{ role: 'user', parts: [{ functionCall: { name: 'f' } }] }] }, /only allowed in model turns/);
  expectError({ contents: [{ role: 'model', parts: [{ functionCall: { name: 'f', partialArgs: [], willContinue: true } }] }] }, /Unknown name "partialArgs"/);
  // Gemini 3: the current turn's function call must carry its signature.
  const unsigned = {
    contents: [{ role: 'user', parts: [{ text: 'x' }] }, callTurn, { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }],
  };
  expectError(unsigned, /missing a thought_signature/, URL_PRO);
  assert.deepEqual(geminiMock.validateRequest(unsigned, KEY, URL_STREAM), [], 'Gemini 2.5 does not enforce signatures');
  expectError(
    {
      contents: [
        { role: 'user', parts: [{ text: 'x' }] },
        { role: 'model', parts: [{ functionCall: { name: 'f' }, thoughtSignature: 'not base64!' }] },
      ],
    },
    /Base64 decoding failed/,
  );

  const gen = (generationConfig: unknown) => ({ ...ok, generationConfig });
  expectError(gen({ max_tokens: 5 }), /Unknown name "max_tokens"/);
  expectError(gen({ stopSequences: ['1', '2', '3', '4', '5', '6'] }), /at most 5/);
  expectError(gen({ responseSchema: { type: 'OBJECT', properties: { a: { type: 'STRING' } } } }), /response_mime_type/);
  expectError(gen({ thinkingConfig: { thinkingBudget: 100, thinkingLevel: 'LOW' } }), /not supported together/);
  expectError(gen({ thinkingConfig: { thinkingBudget: 0 } }), /only works in thinking mode/, '/v1beta/models/gemini-2.5-pro:generateContent');
  expectError(gen({ temperature: 3 }), /temperature/);
  expectError({ ...ok, toolConfig: { functionCallingConfig: { mode: 'ANY' } } }, /without function_declarations/);
  expectError(
    { ...ok, tools: [{ functionDeclarations: [{ name: 'f' }] }], toolConfig: { functionCallingConfig: { mode: 'AUTO', allowedFunctionNames: ['f'] } } },
    /only allowed when mode is ANY/,
  );
});

test('mock replies decode to what the mock was told to say (JSON body and error body)', () => {
  const rendered = geminiMock.renderReply(
    {
      model: 'gemini-3-pro-preview',
      reasoning: 'Thinking.',
      text: 'Hi!',
      toolCalls: [
        { id: 'x', name: 'f', arguments: { a: 1 } },
        { id: 'y', name: 'g', arguments: {} },
      ],
      usage: { input: 12, output: 30, reasoning: 20 },
    },
    false,
  );
  assert.equal(rendered.status, 200);
  assert.equal(rendered.headers['content-type'], 'application/json; charset=UTF-8');
  const raw = JSON.parse(rendered.body as string);
  assert.deepEqual(Object.keys(raw), ['candidates', 'usageMetadata', 'modelVersion', 'responseId']);
  const store = new ReasoningStore();
  const res = geminiFormat.decodeResponse(raw, { reasoningStore: store });
  assert.deepEqual(res.parts.slice(0, 2), [
    { type: 'reasoning', text: 'Thinking.', family: 'gemini' },
    { type: 'text', text: 'Hi!' },
  ]);
  const [f, g] = res.parts.slice(2);
  assert.ok(f.type === 'tool_call' && g.type === 'tool_call');
  assert.equal(f.thoughtSignature, 'sig-9');
  assert.equal(g.thoughtSignature, undefined);
  assert.equal(store.get(f.id, 'gemini')?.thoughtSignature, 'sig-9');
  assert.equal(res.finishReason, 'tool_calls');
  assert.deepEqual(res.usage, { inputTokens: 12, outputTokens: 30, reasoningTokens: 20 });

  const filtered = geminiFormat.decodeResponse(JSON.parse(geminiMock.renderReply({ model: 'm', finish: 'content_filter' }, false).body as string), {
    reasoningStore: store,
  });
  assert.equal(filtered.finishReason, 'content_filter');

  const err = geminiMock.renderError({ status: 429, message: 'Resource has been exhausted (e.g. check quota).', retryAfter: '12' });
  assert.equal(err.status, 429);
  assert.equal(err.headers['retry-after'], undefined, 'Google sends RetryInfo, not Retry-After');
  assert.deepEqual(geminiFormat.decodeError(err.status, err.body as string), {
    status: 429,
    kind: 'rate_limit',
    message: 'Resource has been exhausted (e.g. check quota).',
    providerType: 'RESOURCE_EXHAUSTED',
    retryAfter: '12',
  });
  const bad = geminiMock.renderError({ status: 400, message: 'Invalid JSON payload received.' });
  assert.deepEqual(JSON.parse(bad.body as string), { error: { code: 400, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' } });
});
