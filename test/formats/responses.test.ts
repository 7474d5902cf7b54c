import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { responsesFormat as F } from '../../src/formats/responses/index.js';
import { RAW_ITEMS_KEY } from '../../src/formats/responses/raw-items.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import type { Request, Response, ToolCallPart, ToolResultPart } from '../../src/ir/types.js';
import { GatewayError } from '../../src/util/errors.js';
import { fixtureJson, fixtureText } from '../helpers/fixtures.js';
import { responsesMock } from '../mocks/responses.js';

type Json = Record<string, unknown>;

const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const ENC = 'gAAAAABpPMlcH0HHEv5_ozHwP5Gxz5ZLE7A8Aw7GK94sa1KWHqXLrAch29KZrZqCzH6PkW';
const AUTH = { authorization: 'Bearer sk-test' };
const URL_ = '/v1/responses';

const upCtx = (store = new ReasoningStore()) => ({ model: 'gpt-5-mini', autoCache: false, anthropicVersion: '2023-06-01', reasoningStore: store });
const clientCtx = (request: Request, store = new ReasoningStore()) => ({ model: 'client-model', request, reasoningStore: store });

function rejects(body: unknown, needle: string): void {
  assert.throws(
    () => F.decodeRequest(body, {}),
    (e: unknown) => {
      assert.ok(e instanceof GatewayError, String(e));
      assert.equal(e.info.status, 400);
      const text = `${e.info.param ?? ''} ${e.info.message}`;
      assert.ok(text.includes(needle), `"${text}" should mention ${needle}`);
      return true;
    },
  );
}

function valid(body: Json): void {
  assert.deepEqual(responsesMock.validateRequest(body, AUTH, URL_), []);
}

// ------------------------------------------------------------ client request decode

const RICH_CLIENT_REQUEST: Json = {
  model: 'gpt-5',
  instructions: 'You are helpful.',
  input: [
    { role: 'developer', content: 'Use metric units.' },
    {
      role: 'user',
      content: [
        { type: 'input_text', text: 'What is in these?' },
        { type: 'input_image', image_url: `data:image/png;base64,${TINY_PNG}`, detail: 'low' },
        { type: 'input_image', image_url: 'https://example.com/cat.jpg' },
        { type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
        { type: 'input_file', file_id: 'file-123' },
      ],
    },
    {
      type: 'reasoning',
      id: 'rs_abc',
      summary: [
        { type: 'summary_text', text: 'Think A' },
        { type: 'summary_text', text: 'Think B' },
      ],
      encrypted_content: ENC,
    },
    { type: 'message', role: 'assistant', id: 'msg_abc', status: 'completed', content: [{ type: 'output_text', text: 'Let me check.', annotations: [] }] },
    { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'x' } },
    { type: 'function_call', id: 'fc_abc', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    { type: 'function_call', call_id: 'call_2', name: 'get_time', arguments: '' },
    { type: 'function_call_output', call_id: 'call_1', output: '18C' },
    {
      type: 'function_call_output',
      call_id: 'call_2',
      output: [
        { type: 'input_text', text: 'noon' },
        { type: 'input_image', image_url: `data:image/png;base64,${TINY_PNG}` },
      ],
    },
    { type: 'item_reference', id: 'msg_older' },
    { role: 'user', content: 'Thanks' },
  ],
  tools: [
    { type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
    { type: 'function', name: 'get_time', parameters: { type: 'object', properties: {} }, strict: false },
    { type: 'web_search' },
  ],
  tool_choice: { type: 'function', name: 'get_weather' },
  parallel_tool_calls: false,
  max_output_tokens: 500,
  temperature: 0.3,
  top_p: 0.9,
  text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true }, verbosity: 'low' },
  reasoning: { effort: 'high', summary: 'detailed' },
  stream: true,
  previous_response_id: 'resp_prev',
  store: false,
  include: ['reasoning.encrypted_content'],
  metadata: { app: 'x' },
  user: 'u-1',
  service_tier: 'flex',
};

test('decodeRequest: items, roles, content parts and parameters → hub', () => {
  const req = F.decodeRequest(RICH_CLIENT_REQUEST, {});
  assert.equal(req.sourceFormat, 'openai_responses');
  assert.equal(req.model, 'gpt-5');
  assert.deepEqual(req.system, [{ text: 'You are helpful.' }, { text: 'Use metric units.', role: 'developer' }]);
  assert.deepEqual(
    req.messages.map((m) => m.role),
    ['user', 'assistant', 'tool', 'user'],
  );
  const [user, assistant, tool, last] = req.messages;
  assert.deepEqual(user.parts[0], { type: 'text', text: 'What is in these?' });
  assert.deepEqual(user.parts[1], { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: TINY_PNG }, detail: 'low' });
  assert.deepEqual(user.parts[2], { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' } });
  assert.deepEqual(user.parts[3], { type: 'document', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' }, filename: 'a.pdf' });
  assert.deepEqual(user.parts[4], { type: 'document', source: { kind: 'file_id', fileId: 'file-123' } });

  // One assistant turn: reasoning, text, two calls (the web_search_call rides along as a raw item).
  assert.deepEqual(
    assistant.parts.map((p) => p.type),
    ['reasoning', 'text', 'tool_call', 'tool_call'],
  );
  assert.deepEqual(assistant.parts[0], {
    type: 'reasoning',
    text: 'Think A\n\nThink B',
    summary: ['Think A', 'Think B'],
    family: 'openai',
    itemId: 'rs_abc',
    encrypted: ENC,
  });
  assert.deepEqual(assistant.parts[1], { type: 'text', text: 'Let me check.', itemId: 'msg_abc' });
  assert.deepEqual(assistant.parts[2], { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', itemId: 'fc_abc' });
  assert.deepEqual(assistant.parts[3], { type: 'tool_call', id: 'call_2', name: 'get_time', arguments: '{}' });

  const results = tool.parts as ToolResultPart[];
  assert.deepEqual(results[0], { type: 'tool_result', toolCallId: 'call_1', name: 'get_weather', content: [{ type: 'text', text: '18C' }] });
  assert.equal(results[1].name, 'get_time');
  assert.deepEqual(
    results[1].content.map((c) => c.type),
    ['text', 'image'],
  );
  assert.deepEqual(last.parts, [{ type: 'text', text: 'Thanks' }]);

  assert.equal(req.tools?.length, 3);
  assert.deepEqual(req.tools?.[0], {
    type: 'function',
    name: 'get_weather',
    description: 'Weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  });
  assert.equal((req.tools?.[1] as { strict?: boolean }).strict, false);
  assert.deepEqual(req.tools?.[2], { type: 'provider', format: 'openai_responses', raw: { type: 'web_search' } });
  assert.deepEqual(req.toolChoice, { type: 'tool', name: 'get_weather' });
  assert.equal(req.parallelToolCalls, false);
  assert.equal(req.maxTokens, 500);
  assert.equal(req.temperature, 0.3);
  assert.equal(req.topP, 0.9);
  assert.deepEqual(req.responseFormat, { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true });
  assert.deepEqual(req.reasoning, { enabled: true, effort: 'high', summary: 'detailed' });
  assert.equal(req.stream, true);
  assert.equal(req.previousResponseId, 'resp_prev');
  assert.equal(req.user, 'u-1');
  const extras = req.extras!;
  assert.deepEqual(extras.text, { verbosity: 'low' });
  assert.equal(extras.store, false);
  assert.deepEqual(extras.include, ['reasoning.encrypted_content']);
  assert.deepEqual(extras.metadata, { app: 'x' });
  assert.equal(extras.service_tier, 'flex');
  const raw = extras[RAW_ITEMS_KEY] as { m: number; p: number; item: Json }[];
  assert.deepEqual(
    raw.map((r) => [r.m, r.p, r.item.type]),
    [
      [1, 2, 'web_search_call'],
      [3, 0, 'item_reference'],
    ],
  );
});

test('decodeRequest: string input, reasoning none, omitted input with previous_response_id', () => {
  const req = F.decodeRequest({ model: 'm', input: 'Hello', reasoning: { effort: 'none' } }, {});
  assert.deepEqual(req.messages, [{ role: 'user', parts: [{ type: 'text', text: 'Hello' }] }]);
  assert.deepEqual(req.system, []);
  assert.equal(req.stream, false);
  assert.deepEqual(req.reasoning, { enabled: false, effort: 'none' });
  const cont = F.decodeRequest({ model: 'm', previous_response_id: 'resp_1' }, {});
  assert.deepEqual(cont.messages, []);
  // Hosted-tool choices have no hub form: kept for the Responses API only.
  const hosted = F.decodeRequest({ model: 'm', input: 'x', tool_choice: { type: 'web_search_preview' } }, {});
  assert.equal(hosted.toolChoice, undefined);
  assert.deepEqual(hosted.extras?.tool_choice, { type: 'web_search_preview' });
});

test('decodeRequest: a body of the wrong shape is a 400 naming the field', () => {
  rejects('hello', 'JSON object');
  rejects({ input: 'x' }, 'model');
  rejects({ model: 'm' }, 'input');
  rejects({ model: 'm', input: 42 }, 'input');
  rejects({ model: 'm', input: [42] }, 'input[0]');
  rejects({ model: 'm', input: [{ content: 'x' }] }, 'input[0]');
  rejects({ model: 'm', input: [{ role: 'tool', content: 'x' }] }, 'input[0].role');
  rejects({ model: 'm', input: [{ role: 'user', content: 5 }] }, 'input[0].content');
  rejects({ model: 'm', input: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }, 'input[0].content[0].type');
  rejects({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_image' }] }] }, 'input[0].content[0]');
  rejects({ model: 'm', input: [{ role: 'assistant', content: [{ type: 'input_image', image_url: 'x' }] }] }, 'input[0].content[0]');
  rejects({ model: 'm', input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }, 'input[0].call_id');
  rejects({ model: 'm', input: [{ type: 'function_call_output', output: 'x' }] }, 'input[0].call_id');
  rejects({ model: 'm', input: [{ type: 'function_call_output', call_id: 'c', output: [{ type: 'tool_use' }] }] }, 'input[0].output[0].type');
  rejects({ model: 'm', input: 'x', tools: [{ type: 'function', function: { name: 'f' } }] }, 'tools[0].name');
  rejects({ model: 'm', input: 'x', tools: {} }, 'tools');
  rejects({ model: 'm', input: 'x', tool_choice: 'any' }, 'tool_choice');
  rejects({ model: 'm', input: 'x', text: { format: { type: 'yaml' } } }, 'text.format.type');
  rejects({ model: 'm', input: 'x', text: { format: { type: 'json_schema', name: 'x' } } }, 'text.format.schema');
  rejects({ model: 'm', input: 'x', reasoning: { effort: 'max' } }, 'reasoning.effort');
  rejects({ model: 'm', input: 'x', temperature: 'hot' }, 'temperature');
  rejects({ model: 'm', input: 'x', stream: 'yes' }, 'stream');
  rejects({ model: 'm', input: 'x', instructions: 3 }, 'instructions');
});

// ------------------------------------------------------------ downstream request encode

test('same-format round trip: items, ids, raw items in place, strict as sent, extras passed through', () => {
  const req = F.decodeRequest(RICH_CLIENT_REQUEST, {});
  const out = F.encodeRequest(req, upCtx());
  assert.equal(out.model, 'gpt-5-mini');
  assert.equal(out.instructions, 'You are helpful.\n\nUse metric units.');
  const input = out.input as Json[];
  assert.deepEqual(
    input.map((i) => i.type),
    [
      'message',
      'reasoning',
      'message',
      'web_search_call',
      'function_call',
      'function_call',
      'function_call_output',
      'function_call_output',
      'item_reference',
      'message',
    ],
  );
  assert.deepEqual(input[1], {
    type: 'reasoning',
    id: 'rs_abc',
    summary: [
      { type: 'summary_text', text: 'Think A' },
      { type: 'summary_text', text: 'Think B' },
    ],
    encrypted_content: ENC,
  });
  // Ids that pair items with the reasoning before them are kept.
  assert.equal(input[2].id, 'msg_abc');
  assert.equal(input[4].id, 'fc_abc');
  assert.equal(input[5].id, undefined);
  assert.equal(input[5].arguments, '{}');
  assert.deepEqual(input[7].output, [
    { type: 'input_text', text: 'noon' },
    { type: 'input_image', image_url: `data:image/png;base64,${TINY_PNG}`, detail: 'auto' },
  ]);
  const tools = out.tools as Json[];
  assert.equal('strict' in tools[0], false, 'an omitted strict stays omitted for a Responses client');
  assert.equal(tools[1].strict, false);
  assert.deepEqual(tools[2], { type: 'web_search' });
  assert.deepEqual(out.tool_choice, { type: 'function', name: 'get_weather' });
  assert.deepEqual(out.text, { verbosity: 'low', format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } });
  assert.deepEqual(out.reasoning, { effort: 'high', summary: 'detailed' });
  assert.equal(out.store, false);
  assert.deepEqual(out.include, ['reasoning.encrypted_content']);
  assert.deepEqual(out.metadata, { app: 'x' });
  assert.equal(out.service_tier, 'flex');
  assert.equal(out.previous_response_id, 'resp_prev');
  assert.equal(out.temperature, 0.3);
  assert.equal(out.max_output_tokens, 500);
  assert.equal(out.stream, true);
  assert.equal(RAW_ITEMS_KEY in out, false);
});

/** A conversation as another format's client would send it (here: Anthropic's). */
function richForeignRequest(): Request {
  return {
    model: 'claude-sonnet-4',
    sourceFormat: 'anthropic',
    system: [{ text: 'You are a weather bot.' }, { text: 'Be brief.', cacheControl: { type: 'ephemeral' } }],
    messages: [
      {
        role: 'user',
        parts: [
          { type: 'text', text: 'Weather here?' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: TINY_PNG } },
          { type: 'image', source: { kind: 'url', url: 'https://example.com/sky.jpg' }, detail: 'high' },
          { type: 'document', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' } },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', text: 'User wants weather.', family: 'anthropic', signature: 'EqQBCkYIBxgCKkB...' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_call', id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'tool_call', id: 'toolu_02', name: 'get_photo', arguments: '{}' },
        ],
      },
      {
        role: 'tool',
        parts: [
          { type: 'tool_result', toolCallId: 'toolu_01', content: [{ type: 'text', text: 'city not found' }], isError: true },
          {
            type: 'tool_result',
            toolCallId: 'toolu_02',
            content: [
              { type: 'text', text: 'here' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: TINY_PNG } },
            ],
          },
        ],
      },
      { role: 'user', parts: [{ type: 'text', text: 'And tomorrow?' }] },
    ],
    tools: [
      {
        type: 'function',
        name: 'get_weather',
        description: 'Weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
      {
        type: 'function',
        name: 'get_photo',
        parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
        strict: true,
      },
      { type: 'provider', format: 'anthropic', raw: { type: 'web_search_20250305', name: 'web_search' } },
    ],
    toolChoice: { type: 'required' },
    parallelToolCalls: true,
    maxTokens: 5,
    temperature: 0.5,
    topP: 0.8,
    topK: 40,
    stop: ['END'],
    seed: 7,
    responseFormat: {
      type: 'json_schema',
      name: 'weather report!',
      schema: { type: 'object', properties: { t: { type: 'number' } }, required: ['t'], additionalProperties: false },
      strict: true,
    },
    reasoning: { enabled: true, budgetTokens: 4000 },
    stream: false,
    user: 'user-9',
    extras: { anthropic_only_field: true },
  };
}

test('cross-format encode: everything maps, what the API lacks is dropped, the strict mock accepts it', () => {
  const out = F.encodeRequest(richForeignRequest(), upCtx());
  valid(out);
  assert.equal(out.instructions, 'You are a weather bot.\n\nBe brief.');
  assert.equal(out.max_output_tokens, 16, 'raised to the API minimum');
  for (const k of ['stop', 'seed', 'top_k', 'temperature', 'top_p', 'anthropic_only_field']) assert.equal(k in out, false, k);
  const input = out.input as Json[];
  assert.deepEqual(
    input.map((i) => `${i.type}${i.role ? `:${i.role}` : ''}`),
    ['message:user', 'message:assistant', 'function_call', 'function_call', 'function_call_output', 'function_call_output', 'message:user'],
  );
  assert.deepEqual((input[0].content as Json[]).slice(1), [
    { type: 'input_image', image_url: `data:image/png;base64,${TINY_PNG}`, detail: 'auto' },
    { type: 'input_image', image_url: 'https://example.com/sky.jpg', detail: 'high' },
    { type: 'input_file', filename: 'document.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
  ]);
  assert.deepEqual(input[1], { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] });
  assert.deepEqual(input[2], { type: 'function_call', call_id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Paris"}' });
  assert.deepEqual(input[4], { type: 'function_call_output', call_id: 'toolu_01', output: 'Error: city not found' });
  assert.deepEqual(input[5].output, [
    { type: 'input_text', text: 'here' },
    { type: 'input_image', image_url: `data:image/png;base64,${TINY_PNG}`, detail: 'auto' },
  ]);
  const tools = out.tools as Json[];
  assert.equal(tools.length, 2, "Anthropic's hosted tool is not sent to OpenAI");
  assert.equal(tools[0].strict, false, 'strict:false unless the client asked for strict');
  assert.equal(tools[1].strict, true);
  assert.equal(out.tool_choice, 'required');
  assert.equal(out.parallel_tool_calls, true);
  assert.deepEqual(out.text, {
    format: {
      type: 'json_schema',
      name: 'weather_report_',
      schema: { type: 'object', properties: { t: { type: 'number' } }, required: ['t'], additionalProperties: false },
      strict: true,
    },
  });
  assert.deepEqual(out.reasoning, { effort: 'medium', summary: 'auto' });
  assert.deepEqual(out.include, ['reasoning.encrypted_content']);
  assert.equal(out.store, false);
  assert.equal(out.user, 'user-9');
  assert.equal('stream' in out, false);
});

test('cross-format encode: tool errors are marked once, also when the result is only an image', () => {
  const req: Request = {
    model: 'x',
    sourceFormat: 'anthropic',
    system: [],
    stream: false,
    messages: [
      { role: 'user', parts: [{ type: 'text', text: 'go' }] },
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: 't1', name: 'f', arguments: '{}' },
          { type: 'tool_call', id: 't2', name: 'f', arguments: '{}' },
          { type: 'tool_call', id: 't3', name: 'f', arguments: '{}' },
        ],
      },
      {
        role: 'tool',
        parts: [
          { type: 'tool_result', toolCallId: 't1', content: [{ type: 'text', text: 'Error: already marked' }], isError: true },
          { type: 'tool_result', toolCallId: 't2', content: [], isError: true },
          { type: 'tool_result', toolCallId: 't3', content: [{ type: 'image', source: { kind: 'url', url: 'https://example.com/x.png' } }], isError: true },
        ],
      },
    ],
  };
  const out = F.encodeRequest(req, upCtx());
  valid(out);
  const outputs = (out.input as Json[]).filter((i) => i.type === 'function_call_output').map((i) => i.output);
  const noParams = F.encodeRequest({ ...req, tools: [{ type: 'function', name: 'f', parameters: {} }] }, upCtx());
  assert.deepEqual((noParams.tools as Json[])[0].parameters, { type: 'object', properties: {} });
  assert.deepEqual(outputs, [
    'Error: already marked',
    'Error',
    [
      { type: 'input_text', text: 'Error' },
      { type: 'input_image', image_url: 'https://example.com/x.png', detail: 'auto' },
    ],
  ]);
});

test('cross-format encode: n > 1 is a 400; sampling kept without reasoning; JSON mode gets its "json" word', () => {
  const base: Request = { model: 'x', sourceFormat: 'openai', system: [], messages: [{ role: 'user', parts: [{ type: 'text', text: 'Hi' }] }], stream: true };
  assert.throws(
    () => F.encodeRequest({ ...base, n: 2 }, upCtx()),
    (e: unknown) => e instanceof GatewayError && e.info.status === 400 && e.info.param === 'n',
  );
  const plain = F.encodeRequest({ ...base, n: 1, temperature: 0.2, topP: 0.5, seed: 1 }, upCtx());
  assert.equal(plain.temperature, 0.2);
  assert.equal(plain.top_p, 0.5);
  assert.equal(plain.stream, true);
  assert.equal('include' in plain, false);
  valid(plain);

  const gem: Request = { ...base, sourceFormat: 'gemini', responseFormat: { type: 'json_object' } };
  const json = F.encodeRequest(gem, upCtx());
  assert.equal(json.instructions, 'Respond in JSON.');
  assert.deepEqual(json.text, { format: { type: 'json_object' } });
  valid(json);
  assert.ok(
    responsesMock.validateRequest({ ...json, instructions: undefined }, AUTH, URL_).some((p) => p.includes("word 'json'")),
    'the mock enforces the API rule the encoder works around',
  );

  const off = F.encodeRequest({ ...base, reasoning: { enabled: false } }, upCtx());
  assert.equal('reasoning' in off, false, 'reasoning off without an effort: the model default');
  const geminiOff = F.encodeRequest({ ...base, reasoning: { enabled: false, budgetTokens: 0 } }, upCtx());
  assert.equal('reasoning' in geminiOff, false);
  const budget = F.encodeRequest({ ...base, reasoning: { enabled: true, budgetTokens: 20000 } }, upCtx());
  assert.deepEqual(budget.reasoning, { effort: 'high', summary: 'auto' });
  const offNone = F.encodeRequest({ ...base, reasoning: { enabled: false, effort: 'none' } }, upCtx());
  assert.deepEqual(offNone.reasoning, { effort: 'none' });
});

test('cross-format encode: reasoning of other families is dropped, gateway-minted ids never reach OpenAI', () => {
  const req = F.decodeRequest(
    {
      model: 'm',
      input: [
        { role: 'user', content: 'hi' },
        // What a Responses client got from us when the downstream was Anthropic.
        { type: 'reasoning', id: 'rs_gw0123', summary: [{ type: 'summary_text', text: 'hmm' }] },
        { type: 'function_call', id: 'fc_gw0124', call_id: 'toolu_1', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'toolu_1', output: 'ok' },
      ],
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object', properties: {} }, strict: false }],
    },
    {},
  );
  const reasoning = req.messages[1].parts[0];
  assert.equal(reasoning.type === 'reasoning' && reasoning.family, undefined, 'minted id: not OpenAI reasoning');
  const out = F.encodeRequest(req, upCtx());
  const input = out.input as Json[];
  assert.deepEqual(
    input.map((i) => i.type),
    ['message', 'function_call', 'function_call_output'],
  );
  assert.equal(input[1].id, undefined);
  valid(out);
});

test('reasoning continuity: encrypted reasoning of a tool-calling response is restored for a client of another format', () => {
  const store = new ReasoningStore();
  const res = F.decodeResponse(
    {
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      model: 'gpt-5',
      output: [
        { id: 'rs_1', type: 'reasoning', encrypted_content: ENC, summary: [{ type: 'summary_text', text: 'Need weather.' }] },
        { id: 'fc_1', type: 'function_call', status: 'completed', arguments: '{"city":"Paris"}', call_id: 'call_9', name: 'get_weather' },
      ],
      usage: { input_tokens: 5, output_tokens: 5 },
    },
    { reasoningStore: store },
  );
  assert.equal(res.finishReason, 'tool_calls');
  // A Chat Completions client sends the call back without any reasoning.
  const next: Request = {
    model: 'x',
    sourceFormat: 'openai',
    system: [],
    stream: false,
    reasoning: { enabled: true, effort: 'low' },
    messages: [
      { role: 'user', parts: [{ type: 'text', text: 'Weather?' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_9', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
      { role: 'tool', parts: [{ type: 'tool_result', toolCallId: 'call_9', content: [{ type: 'text', text: '18C' }] }] },
    ],
    tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} } }],
  };
  const out = F.encodeRequest(next, upCtx(store));
  const input = out.input as Json[];
  assert.deepEqual(input[1], { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Need weather.' }], encrypted_content: ENC });
  assert.deepEqual(input[2], { type: 'function_call', call_id: 'call_9', name: 'get_weather', arguments: '{"city":"Paris"}', id: 'fc_1' });
  valid(out);
  // Nothing stored for an unknown call: no reasoning item, no id.
  const other = F.encodeRequest(
    {
      ...next,
      messages: next.messages.map((m) => ({
        ...m,
        parts: m.parts.map((p) => (p.type === 'tool_call' ? { ...p, id: 'call_x' } : p.type === 'tool_result' ? { ...p, toolCallId: 'call_x' } : p)),
      })),
    },
    upCtx(store),
  );
  assert.deepEqual(
    (other.input as Json[]).map((i) => i.type),
    ['message', 'function_call', 'function_call_output'],
  );
});

// ------------------------------------------------------------ downstream response decode

test('decodeResponse: recorded JSON responses', () => {
  const store = new ReasoningStore();
  const ctx = { reasoningStore: store };
  const azure = F.decodeResponse(fixtureJson('openai_responses/azure-text.1.json'), ctx);
  assert.equal(azure.id, 'resp_0d6bb044bb6ff37200698c51948054819385e24e2ad931ae6e');
  assert.equal(azure.model, 'gpt-5.1');
  assert.deepEqual(azure.parts, [{ type: 'text', text: 'Word', itemId: 'msg_0d6bb044bb6ff37200698c51952e288193beb9044db4d8c810' }]);
  assert.equal(azure.finishReason, 'stop');
  assert.deepEqual(azure.usage, { inputTokens: 11, outputTokens: 11, cacheReadTokens: 0, reasoningTokens: 0 });
  assert.ok(Array.isArray(azure.extras?.content_filters), "Azure's content_filters kept for same-format clients");

  const tool = F.decodeResponse(fixtureJson('openai_responses/openai-client-tool-search.2.json'), ctx);
  assert.equal(tool.finishReason, 'tool_calls');
  const call = tool.parts[0] as ToolCallPart;
  assert.equal(call.id, 'call_heVrRaKZEJbsRvHvaEf5BLUI');
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.arguments), { location: 'San Francisco, CA', unit: 'fahrenheit' });
  assert.equal(call.itemId, 'fc_01166e06cf473fc80169ab66eb3e9c8196a9a7eb80fc0f6cdf');
  assert.deepEqual(tool.usage, { inputTokens: 461, outputTokens: 26, cacheReadTokens: 0, reasoningTokens: 0 });

  const raw = fixtureJson('openai_responses/openai-reasoning-encrypted-content.1.json') as { output: Json[] };
  const reasoning = F.decodeResponse(raw, ctx);
  assert.deepEqual(
    reasoning.parts.map((p) => p.type),
    ['reasoning', 'text'],
  );
  const r = reasoning.parts[0];
  assert.ok(r.type === 'reasoning');
  assert.equal(r.family, 'openai');
  assert.equal(r.itemId, 'rs_0f35ed53160b395301693cc95817ac8190b978637daea4987e');
  assert.equal(r.encrypted, raw.output[0].encrypted_content);
  assert.match(r.text, /^\*\*Reporting final result\*\*/);
  assert.equal((reasoning.parts[1] as { text: string }).text, '12 + 7 = 19\n19 × 3 = 57\n57 × 10 = 570\n\nFinal result: 570');
  assert.deepEqual(reasoning.usage, { inputTokens: 865, outputTokens: 163, cacheReadTokens: 0, reasoningTokens: 128 });

  const files = F.decodeResponse(fixtureJson('openai_responses/openai-file-search-tool.1.json'), ctx);
  // Empty reasoning items and the hosted file_search_call carry nothing for a client.
  assert.deepEqual(
    files.parts.map((p) => p.type),
    ['text'],
  );
  assert.match((files.parts[0] as { text: string }).text, /^According to the document, an embedding model/);
  assert.deepEqual(files.usage, { inputTokens: 3700, outputTokens: 741, cacheReadTokens: 2560, reasoningTokens: 640 });
  assert.equal(files.finishReason, 'stop');
});

test('decodeResponse: incomplete, refusal and failed responses', () => {
  const ctx = { reasoningStore: new ReasoningStore() };
  const msg = (content: Json[]) => ({ id: 'msg_1', type: 'message', status: 'incomplete', role: 'assistant', content });
  const len = F.decodeResponse(
    { id: 'r', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [msg([{ type: 'output_text', text: 'Once' }])] },
    ctx,
  );
  assert.equal(len.finishReason, 'length');
  assert.equal(len.rawFinishReason, 'max_output_tokens');
  const filtered = F.decodeResponse({ id: 'r', status: 'incomplete', incomplete_details: { reason: 'content_filter' }, output: [] }, ctx);
  assert.equal(filtered.finishReason, 'content_filter');
  const refusal = F.decodeResponse({ id: 'r', status: 'completed', output: [msg([{ type: 'refusal', refusal: "I can't help with that." }])] }, ctx);
  assert.equal(refusal.finishReason, 'content_filter');
  assert.deepEqual(refusal.parts, [{ type: 'text', text: "I can't help with that.", itemId: 'msg_1' }]);
  assert.throws(
    () => F.decodeResponse({ id: 'r', status: 'failed', error: { code: 'rate_limit_exceeded', message: 'Slow down' }, output: [] }, ctx),
    (e: unknown) => e instanceof GatewayError && e.info.status === 429 && e.info.message === 'Slow down',
  );
  assert.throws(
    () => F.decodeResponse('nope', ctx),
    (e: unknown) => e instanceof GatewayError && e.info.status === 502,
  );
});

// ------------------------------------------------------------ client response encode

function clientRequest(extra: Json = {}): Request {
  return F.decodeRequest({ model: 'gpt-4o', input: 'Hi', instructions: 'Be kind.', temperature: 0.4, max_output_tokens: 300, ...extra }, {});
}

test('encodeResponse: a full Response object echoing the request; the SDK reads output_text', async () => {
  const request = clientRequest({ tools: [{ type: 'function', name: 'f', parameters: { type: 'object', properties: {} } }], metadata: { a: '1' } });
  const res: Response = {
    id: 'msg_01XYZ',
    model: 'claude-sonnet-4',
    parts: [
      { type: 'reasoning', text: 'Thinking hard.', family: 'anthropic', signature: 'sig' },
      { type: 'text', text: 'Hello' },
      { type: 'text', text: ' world' },
      { type: 'tool_call', id: 'toolu_1', name: 'f', arguments: '{"a":1}' },
    ],
    finishReason: 'tool_calls',
    usage: { inputTokens: 100, outputTokens: 20, cacheReadTokens: 60, reasoningTokens: 8 },
  };
  const body = F.encodeResponse(res, clientCtx(request)) as Json;
  assert.match(String(body.id), /^resp_/);
  assert.equal(body.object, 'response');
  assert.equal(body.status, 'completed');
  assert.equal(body.error, null);
  assert.equal(body.incomplete_details, null);
  assert.equal(body.model, 'client-model');
  assert.equal(body.instructions, 'Be kind.');
  assert.equal(body.temperature, 0.4);
  assert.equal(body.max_output_tokens, 300);
  assert.deepEqual(body.metadata, { a: '1' });
  assert.deepEqual(body.tools, [{ type: 'function', description: null, name: 'f', parameters: { type: 'object', properties: {} }, strict: true }]);
  const output = body.output as Json[];
  assert.deepEqual(
    output.map((o) => o.type),
    ['reasoning', 'message', 'function_call'],
  );
  assert.match(String(output[0].id), /^rs_/);
  assert.deepEqual(output[0].summary, [{ type: 'summary_text', text: 'Thinking hard.' }]);
  assert.equal('encrypted_content' in output[0], false, 'an Anthropic signature is never sent as OpenAI encrypted content');
  assert.deepEqual(output[1].content, [{ type: 'output_text', annotations: [], logprobs: [], text: 'Hello world' }]);
  assert.deepEqual(
    { call_id: output[2].call_id, name: output[2].name, arguments: output[2].arguments, status: output[2].status },
    { call_id: 'toolu_1', name: 'f', arguments: '{"a":1}', status: 'completed' },
  );
  assert.deepEqual(body.usage, {
    input_tokens: 100,
    input_tokens_details: { cached_tokens: 60 },
    output_tokens: 20,
    output_tokens_details: { reasoning_tokens: 8 },
    total_tokens: 120,
  });

  const client = new OpenAI({
    apiKey: 'x',
    baseURL: 'http://localhost/v1',
    fetch: async () => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } }),
  });
  const sdk = await client.responses.create({ model: 'gpt-4o', input: 'Hi' });
  assert.equal(sdk.output_text, 'Hello world');
  assert.equal(sdk.output.length, 3);
});

test('encodeResponse: length → incomplete; OpenAI reasoning keeps its id and encrypted content; same-format extras', () => {
  const request = clientRequest();
  const res: Response = {
    id: 'resp_abc',
    model: 'gpt-5',
    parts: [
      { type: 'reasoning', text: '', family: 'openai', itemId: 'rs_1', encrypted: ENC, summary: [] },
      { type: 'text', text: 'Once upon', itemId: 'msg_1' },
    ],
    finishReason: 'length',
    sourceFormat: 'openai_responses',
    extras: { service_tier: 'priority', content_filters: [] },
  };
  const body = F.encodeResponse(res, clientCtx(request)) as Json;
  assert.equal(body.id, 'resp_abc');
  assert.equal(body.status, 'incomplete');
  assert.deepEqual(body.incomplete_details, { reason: 'max_output_tokens' });
  assert.equal(body.service_tier, 'priority');
  assert.deepEqual(body.content_filters, []);
  const output = body.output as Json[];
  assert.deepEqual(output[0], { id: 'rs_1', type: 'reasoning', encrypted_content: ENC, summary: [] });
  assert.equal(output[1].id, 'msg_1');
  assert.equal(output[1].status, 'incomplete');
  const filtered = F.encodeResponse({ ...res, finishReason: 'content_filter' }, clientCtx(request)) as Json;
  assert.deepEqual(filtered.incomplete_details, { reason: 'content_filter' });
});

// ------------------------------------------------------------ errors

test('errors: downstream bodies keep the provider message; client bodies have the OpenAI shape', () => {
  const quota = F.decodeError(429, fixtureText('openai_responses/openai-error.1.json'));
  assert.equal(quota.status, 429);
  assert.equal(quota.kind, 'rate_limit');
  assert.match(quota.message, /^You exceeded your current quota/);
  assert.equal(quota.providerType, 'insufficient_quota');
  assert.deepEqual(F.encodeError(quota), {
    error: { message: quota.message, type: 'requests', param: null, code: 'insufficient_quota' },
  });
  const html = F.decodeError(502, '<html>Bad gateway</html>');
  assert.deepEqual(html, { status: 502, kind: 'upstream', message: '<html>Bad gateway</html>' });
  assert.equal(F.decodeError(503, '').message, 'Downstream returned HTTP 503');
  const bad = F.decodeError(
    400,
    JSON.stringify({ error: { message: "Unknown parameter: 'stop'.", type: 'invalid_request_error', param: 'stop', code: 'unknown_parameter' } }),
  );
  assert.equal(bad.kind, 'invalid_request');
  assert.equal(bad.param, 'stop');
  assert.deepEqual(F.encodeError({ status: 404, kind: 'not_found', message: 'No model x' }), {
    error: { message: 'No model x', type: 'not_found_error', param: null, code: null },
  });
  assert.equal(F.upstreamPath('m', true), '/v1/responses');
  assert.deepEqual(F.authHeaders('sk-1'), { authorization: 'Bearer sk-1' });
});

// ------------------------------------------------------------ strict mock

test('mock validator: rejects what the real API rejects', () => {
  const ok: Json = { model: 'gpt-5', input: [{ role: 'user', content: 'hi' }] };
  valid(ok);
  const problems = (body: Json, headers: Json = AUTH) => responsesMock.validateRequest(body, headers as Record<string, string>, URL_);
  const has = (body: Json, needle: string, headers?: Json) => {
    const p = problems(body, headers);
    assert.ok(
      p.some((x) => x.includes(needle)),
      `expected "${needle}" in ${JSON.stringify(p)}`,
    );
  };
  has(ok, 'API key', {});
  has(ok, 'API key', { authorization: 'Basic abc' });
  has({ input: 'x' }, "'model'");
  has({ model: 'm' }, "'input'");
  has({ ...ok, max_output_tokens: 8 }, 'Expected a value >= 16');
  for (const foreign of [
    'stop',
    'messages',
    'max_tokens',
    'max_completion_tokens',
    'n',
    'seed',
    'top_k',
    'system',
    'thinking',
    'stop_sequences',
    'generationConfig',
    'contents',
    'response_format',
    'reasoning_effort',
  ]) {
    has({ ...ok, [foreign]: 1 }, `Unknown parameter: '${foreign}'`);
  }
  has({ ...ok, stream_options: { include_usage: true } }, 'stream_options');
  valid({ ...ok, stream: true, stream_options: { include_obfuscation: false } });
  has({ ...ok, tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }] }, 'strict');
  has({ ...ok, tools: [{ type: 'function', function: { name: 'f' } }] }, "'tools[0].name'");
  has(
    { ...ok, tools: [{ type: 'function', name: 'f', strict: true, parameters: { type: 'object', properties: { a: { type: 'string' } } } }] },
    'additionalProperties',
  );
  has({ ...ok, tools: [{ type: 'bash_20250124' }] }, "Invalid value: 'bash_20250124'");
  has({ ...ok, tool_choice: { type: 'function', function: { name: 'f' } } }, 'tool_choice');
  has({ ...ok, input: [{ role: 'tool', content: 'x' }] }, "Invalid value: 'tool'");
  has({ ...ok, input: [{ role: 'assistant', content: [{ type: 'input_text', text: 'x' }] }] }, "'output_text' and 'refusal'");
  has({ ...ok, input: [{ role: 'user', content: [{ type: 'output_text', text: 'x' }] }] }, "'input_text', 'input_image', and 'input_file'");
  has({ ...ok, input: [{ type: 'function_call_output', call_id: 'call_1', output: 'x' }] }, 'No tool call found');
  valid({ ...ok, previous_response_id: 'resp_1', input: [{ type: 'function_call_output', call_id: 'call_1', output: 'x' }] });
  has({ ...ok, input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: { a: 1 } }] }, "'input[0].arguments'");
  has({ ...ok, input: [{ type: 'function_call', id: 'toolu_1', call_id: 'c', name: 'f', arguments: '{}' }] }, "begins with 'fc'");
  const rs = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'EqQBCkYIBxgCKkB' };
  has({ ...ok, input: [rs, { role: 'assistant', content: 'x' }] }, 'could not be verified');
  has({ ...ok, input: [{ ...rs, encrypted_content: ENC }] }, 'required following item');
  has(
    {
      ...ok,
      store: false,
      input: [
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { role: 'assistant', content: 'x' },
      ],
    },
    'not persisted',
  );
  has({ ...ok, input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'data:text/plain;base64,AAAA' }] }] }, 'image_url');
  has({ ...ok, input: [{ role: 'user', content: [{ type: 'input_file', file_data: 'data:application/pdf;base64,AAAA' }] }] }, 'filename');
  has({ ...ok, input: [{ type: 'tool_use', id: 'x' }] }, "Invalid value: 'tool_use'");
  has({ ...ok, text: { format: { type: 'json_schema', name: 'bad name', schema: {} } } }, 'text.format.name');
  has({ ...ok, reasoning: { effort: 'max' } }, "Invalid value: 'max'");
  has({ ...ok, reasoning: { budget_tokens: 1000 } }, 'reasoning.budget_tokens');
  has({ ...ok, temperature: 3 }, 'temperature');
  has({ ...ok, include: ['usage'] }, 'include');
});

test('mock renderReply/renderError: shapes the decoders and the SDK accept', async () => {
  const store = new ReasoningStore();
  const json = responsesMock.renderReply(
    {
      model: 'gpt-5',
      reasoning: 'Because.',
      text: 'Answer',
      toolCalls: [{ id: 'call_1', name: 'f', arguments: { a: 1 } }],
      finish: 'tool_calls',
      usage: { input: 10, output: 4, cacheRead: 3, reasoning: 2 },
    },
    false,
  );
  assert.equal(json.status, 200);
  const parsed = JSON.parse(json.body as string) as Json;
  assert.match(String(parsed.id), /^resp_[0-9a-f]{50}$/);
  const res = F.decodeResponse(parsed, { reasoningStore: store });
  assert.deepEqual(
    res.parts.map((p) => p.type),
    ['reasoning', 'text', 'tool_call'],
  );
  assert.equal(res.finishReason, 'tool_calls');
  assert.deepEqual(res.usage, { inputTokens: 10, outputTokens: 4, cacheReadTokens: 3, reasoningTokens: 2 });
  assert.ok(store.get('call_1', 'openai'), 'encrypted reasoning remembered for the call');

  const len = JSON.parse(responsesMock.renderReply({ model: 'm', text: 'cut', finish: 'length' }, false).body as string) as Json;
  assert.equal(len.status, 'incomplete');
  assert.deepEqual(len.incomplete_details, { reason: 'max_output_tokens' });

  const err = responsesMock.renderError({ status: 429, message: 'Slow down', retryAfter: '3' });
  assert.equal(err.status, 429);
  assert.equal(err.headers['retry-after'], '3');
  assert.deepEqual(JSON.parse(err.body as string), { error: { message: 'Slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
  const quota = JSON.parse(responsesMock.renderError({ status: 429, message: 'q', type: 'insufficient_quota' }).body as string) as Json;
  assert.deepEqual(quota, { error: { message: 'q', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } });
  const decoded = F.decodeError(429, responsesMock.renderError({ status: 429, message: 'Slow down' }).body as string);
  assert.equal(decoded.message, 'Slow down');
});
