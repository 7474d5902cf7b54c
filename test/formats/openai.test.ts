import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openaiFormat } from '../../src/formats/openai/index.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import type { Request, Response } from '../../src/ir/types.js';
import { GatewayError } from '../../src/util/errors.js';
import { fixtureJson, fixtureManifest, fixtureText } from '../helpers/fixtures.js';

const store = new ReasoningStore();
const upCtx = { model: 'gpt-4.1', autoCache: false, anthropicVersion: '2023-06-01', reasoningStore: store };
const clientCtx = (request: Request, model = 'gpt-4o') => ({ model, request, reasoningStore: store });

function rejects(body: unknown, param: RegExp | string): void {
  assert.throws(
    () => openaiFormat.decodeRequest(body, {}),
    (e: unknown) => {
      assert.ok(e instanceof GatewayError, String(e));
      assert.equal(e.info.status, 400);
      const text = (e.info.param ?? '') + ' ' + e.info.message;
      if (typeof param === 'string') assert.ok(text.includes(param), text);
      else assert.match(text, param);
      return true;
    },
  );
}

// ------------------------------------------------------------ client request decode

test('decodeRequest: roles, content parts, tool history and parameters', () => {
  const req = openaiFormat.decodeRequest(
    {
      model: 'gpt-4o',
      messages: [
        { role: 'developer', content: 'Be terse.' },
        { role: 'system', content: [{ type: 'text', text: 'Use metric units.' }] },
        {
          role: 'user',
          name: 'ann',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'a.pdf' } },
            { type: 'file', file: { file_id: 'file-abc' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          reasoning_content: 'Need the weather.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'Sunny, 21C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '12:00' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Sunny.' }], refusal: null },
        { role: 'user', content: 'Thanks' },
      ],
      max_tokens: 300,
      temperature: 0.3,
      top_p: 0.9,
      stop: 'END',
      seed: 7,
      n: 1,
      presence_penalty: 0.1,
      frequency_penalty: -0.2,
      tools: [
        {
          type: 'function',
          function: { name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true },
        },
        { type: 'function', function: { name: 'time' } },
      ],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'high',
      stream: true,
      stream_options: { include_usage: true },
      user: 'u-1',
      metadata: { a: '1' },
      store: false,
      logit_bias: { '50256': -100 },
    },
    {},
  );
  assert.equal(req.sourceFormat, 'openai');
  assert.deepEqual(req.system, [
    { text: 'Be terse.', role: 'developer' },
    { text: 'Use metric units.', role: 'system' },
  ]);
  assert.equal(req.messages.length, 5);
  const [user, assistant, tool, assistant2, user2] = req.messages;
  assert.equal(user.name, 'ann');
  assert.deepEqual(user.parts, [
    { type: 'text', text: 'What is in these?' },
    { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'low' },
    { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' } },
    { type: 'document', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0x' }, filename: 'a.pdf' },
    { type: 'document', source: { kind: 'file_id', fileId: 'file-abc' } },
  ]);
  assert.deepEqual(assistant.parts, [
    { type: 'reasoning', text: 'Need the weather.', family: 'openai' },
    { type: 'tool_call', id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
    { type: 'tool_call', id: 'call_2', name: 'time', arguments: '{}' },
  ]);
  // consecutive tool messages become one hub tool message; names recovered from the calls
  assert.equal(tool.role, 'tool');
  assert.deepEqual(tool.parts, [
    { type: 'tool_result', toolCallId: 'call_1', name: 'weather', content: [{ type: 'text', text: 'Sunny, 21C' }] },
    { type: 'tool_result', toolCallId: 'call_2', name: 'time', content: [{ type: 'text', text: '12:00' }] },
  ]);
  assert.deepEqual(assistant2.parts, [{ type: 'text', text: 'Sunny.' }]);
  assert.deepEqual(user2.parts, [{ type: 'text', text: 'Thanks' }]);

  assert.equal(req.maxTokens, 300);
  assert.equal(req.temperature, 0.3);
  assert.equal(req.topP, 0.9);
  assert.deepEqual(req.stop, ['END']);
  assert.equal(req.seed, 7);
  assert.equal(req.n, 1);
  assert.equal(req.presencePenalty, 0.1);
  assert.equal(req.frequencyPenalty, -0.2);
  assert.deepEqual(req.tools, [
    { type: 'function', name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true },
    { type: 'function', name: 'time', parameters: { type: 'object', properties: {} } },
  ]);
  assert.deepEqual(req.toolChoice, { type: 'tool', name: 'weather' });
  assert.equal(req.parallelToolCalls, false);
  assert.deepEqual(req.responseFormat, { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true });
  assert.deepEqual(req.reasoning, { enabled: true, effort: 'high' });
  assert.equal(req.stream, true);
  assert.equal(req.includeUsage, true);
  assert.equal(req.user, 'u-1');
  assert.deepEqual(req.extras, { metadata: { a: '1' }, store: false, logit_bias: { '50256': -100 }, max_tokens: 300 });
});

test('decodeRequest: legacy functions, function role, reasoning_effort none, max_completion_tokens wins', () => {
  const req = openaiFormat.decodeRequest(
    {
      model: 'gpt-3.5-turbo',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, function_call: { name: 'lookup', arguments: '{"q":1}' } },
        { role: 'function', name: 'lookup', content: 'found' },
      ],
      functions: [{ name: 'lookup', parameters: { type: 'object', properties: {} } }],
      function_call: { name: 'lookup' },
      reasoning_effort: 'none',
      max_tokens: 10,
      max_completion_tokens: 20,
    },
    {},
  );
  const call = req.messages[1].parts[0];
  const result = req.messages[2].parts[0];
  assert.equal(call.type, 'tool_call');
  assert.equal(result.type, 'tool_result');
  if (call.type === 'tool_call' && result.type === 'tool_result') {
    assert.equal(result.toolCallId, call.id);
    assert.equal(result.name, 'lookup');
  }
  assert.deepEqual(
    req.tools?.map((t) => t.type === 'function' && t.name),
    ['lookup'],
  );
  assert.deepEqual(req.toolChoice, { type: 'tool', name: 'lookup' });
  assert.deepEqual(req.reasoning, { enabled: false, effort: 'none' });
  assert.equal(req.maxTokens, 20);
  assert.equal(req.extras, undefined);
});

test('decodeRequest: empty assistant turns are dropped, top_k kept for other formats', () => {
  const req = openaiFormat.decodeRequest(
    {
      model: 'm',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'b' },
      ],
      top_k: 20,
    },
    {},
  );
  assert.deepEqual(
    req.messages.map((m) => m.role),
    ['user', 'user'],
  );
  assert.equal(req.topK, 20);
  assert.deepEqual(req.extras, { top_k: 20 });
});

test('decodeRequest: bad shapes are 400s naming the field', () => {
  rejects(null, /JSON object/);
  rejects([], /JSON object/);
  rejects({ messages: [{ role: 'user', content: 'x' }] }, 'model');
  rejects({ model: 5, messages: [{ role: 'user', content: 'x' }] }, 'model');
  rejects({ model: 'm' }, 'messages');
  rejects({ model: 'm', messages: [] }, 'messages');
  rejects({ model: 'm', messages: {} }, 'messages');
  rejects({ model: 'm', messages: ['hi'] }, 'messages[0]');
  rejects({ model: 'm', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role');
  rejects({ model: 'm', messages: [{ content: 'x' }] }, 'messages[0].role');
  rejects({ model: 'm', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content');
  rejects({ model: 'm', messages: [{ role: 'user', content: [{ type: 'video' }] }] }, 'messages[0].content[0].type');
  rejects({ model: 'm', messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x' }] }] }, 'messages[0].content[0].type');
  rejects({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, 'image_url.url');
  rejects({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png,abc' } }] }] }, 'image_url.url');
  rejects({ model: 'm', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }] }, /input_audio/);
  rejects({ model: 'm', messages: [{ role: 'user', content: [{ type: 'file', file: {} }] }] }, 'messages[0].content[0].file');
  rejects({ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id');
  rejects({ model: 'm', messages: [{ role: 'system', content: [{ type: 'image_url' }] }] }, 'messages[0].content[0]');
  rejects({ model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: {} }] }] }, 'tool_calls[0].function.name');
  rejects({ model: 'm', messages: [{ role: 'assistant', tool_calls: 'x' }] }, 'tool_calls');
  rejects({ model: 'm', messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'x' }] }] }, 'messages[0].content[0]');
  rejects({ model: 'm', messages: [{ role: 'function', content: 'x' }] }, 'messages[0].name');
  const ok = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
  rejects({ ...ok, temperature: 3 }, 'temperature');
  rejects({ ...ok, temperature: '1' }, 'temperature');
  rejects({ ...ok, top_p: 2 }, 'top_p');
  rejects({ ...ok, max_tokens: 0 }, 'max_tokens');
  rejects({ ...ok, max_completion_tokens: 1.5 }, 'max_completion_tokens');
  rejects({ ...ok, n: 0 }, 'n');
  rejects({ ...ok, seed: 'x' }, 'seed');
  rejects({ ...ok, stop: [1] }, 'stop');
  rejects({ ...ok, stream: 'yes' }, 'stream');
  rejects({ ...ok, stream_options: 'x' }, 'stream_options');
  rejects({ ...ok, tools: {} }, 'tools');
  rejects({ ...ok, tools: [{ type: 'function', function: { description: 'x' } }] }, 'tools[0].function.name');
  rejects({ ...ok, tools: [{ type: 'function', function: { name: 'x', parameters: 'y' } }] }, 'tools[0].function.parameters');
  rejects({ ...ok, tool_choice: 'always' }, 'tool_choice');
  rejects({ ...ok, parallel_tool_calls: 'no' }, 'parallel_tool_calls');
  rejects({ ...ok, response_format: { type: 'xml' } }, 'response_format.type');
  rejects({ ...ok, response_format: { type: 'json_schema', json_schema: { schema: {} } } }, 'response_format.json_schema.name');
  rejects({ ...ok, reasoning_effort: 'max' }, 'reasoning_effort');
  rejects({ ...ok, user: 3 }, 'user');
});

test('decodeRequest: nulls are absent, unknown fields and provider tools kept for same-format', () => {
  const req = openaiFormat.decodeRequest(
    {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      temperature: null,
      tools: [{ type: 'custom', custom: { name: 'grammar' } }],
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [] } },
      web_search_options: {},
      stream_options: null,
    },
    {},
  );
  assert.equal(req.temperature, undefined);
  assert.deepEqual(req.tools, [{ type: 'provider', format: 'openai', raw: { type: 'custom', custom: { name: 'grammar' } } }]);
  assert.deepEqual(req.toolChoice, { type: 'required' });
  assert.deepEqual(req.extras, {
    tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [] } },
    web_search_options: {},
  });
});

// ------------------------------------------------------------ downstream request encode

function hubRequest(over: Partial<Request> = {}): Request {
  return {
    model: 'claude-x',
    system: [{ text: 'Sys A', cacheControl: { type: 'ephemeral' } }, { text: 'Sys B' }],
    messages: [
      {
        role: 'user',
        parts: [
          { type: 'text', text: 'Look' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/4AAQ' } },
          { type: 'image', source: { kind: 'url', url: 'https://x.test/a.png' }, detail: 'high' },
          { type: 'document', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0x' } },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', text: 'thinking...', family: 'anthropic', signature: 'sig' },
          { type: 'text', text: 'Calling tools.' },
          { type: 'tool_call', id: 'toolu_01', name: 'weather', arguments: '{"city":"Oslo"}' },
          { type: 'tool_call', id: 'toolu_02', name: 'snap', arguments: '' },
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
              { type: 'text', text: 'a photo' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBOR' } },
            ],
          },
        ],
      },
      { role: 'user', parts: [{ type: 'text', text: 'And now?' }] },
    ],
    tools: [
      { type: 'function', name: 'weather', description: 'w', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      { type: 'function', name: 'snap', parameters: { type: 'object', properties: {} } },
      { type: 'provider', format: 'anthropic', raw: { type: 'web_search_20250305', name: 'web_search' } },
    ],
    toolChoice: { type: 'auto' },
    parallelToolCalls: true,
    maxTokens: 1024,
    temperature: 0.5,
    topP: 0.8,
    topK: 40,
    stop: ['\n\nHuman:'],
    seed: 1,
    responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: {} }, strict: true },
    reasoning: { enabled: true, budgetTokens: 4000 },
    stream: true,
    user: 'user-9',
    extras: { anthropic_beta: 'x' },
    sourceFormat: 'anthropic',
    ...over,
  };
}

test('encodeRequest: cross-format request becomes a valid Chat Completions body', () => {
  const body = openaiFormat.encodeRequest(hubRequest(), upCtx);
  assert.deepEqual(body, {
    model: 'gpt-4.1',
    messages: [
      { role: 'system', content: 'Sys A\n\nSys B' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
          { type: 'image_url', image_url: { url: 'https://x.test/a.png', detail: 'high' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'document.pdf' } },
        ],
      },
      {
        role: 'assistant',
        content: 'Calling tools.',
        tool_calls: [
          { id: 'toolu_01', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
          { id: 'toolu_02', type: 'function', function: { name: 'snap', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_01', content: 'Error: city not found' },
      { role: 'tool', tool_call_id: 'toolu_02', content: 'a photo' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Attachments returned by tool call toolu_02:' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } },
        ],
      },
      { role: 'user', content: 'And now?' },
    ],
    max_completion_tokens: 1024,
    temperature: 0.5,
    top_p: 0.8,
    stop: ['\n\nHuman:'],
    seed: 1,
    tools: [
      {
        type: 'function',
        function: { name: 'weather', description: 'w', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      },
      { type: 'function', function: { name: 'snap', parameters: { type: 'object', properties: {} } } },
    ],
    tool_choice: 'auto',
    parallel_tool_calls: true,
    response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: {} }, strict: true } },
    reasoning_effort: 'medium',
    user: 'user-9',
    stream: true,
    stream_options: { include_usage: true },
  });
});

test('encodeRequest: same-format round trip keeps roles, spelling, reasoning_content and extras', () => {
  const client = {
    model: 'deepseek-reasoner',
    messages: [
      { role: 'developer', content: 'D' },
      { role: 'system', content: 'S' },
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'hmm',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'r' },
    ],
    max_tokens: 50,
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} }, strict: false } }],
    tool_choice: 'required',
    stream: true,
    stream_options: { include_usage: false, include_obfuscation: false },
    metadata: { k: 'v' },
    logprobs: true,
  };
  const req = openaiFormat.decodeRequest(client, {});
  const body = openaiFormat.encodeRequest(req, { ...upCtx, model: 'deepseek-reasoner' });
  assert.deepEqual(body, {
    model: 'deepseek-reasoner',
    messages: [
      { role: 'developer', content: 'D' },
      { role: 'system', content: 'S' },
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'hmm',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'r' },
    ],
    max_tokens: 50,
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} }, strict: false } }],
    tool_choice: 'required',
    stream: true,
    // the gateway always needs the usage chunk
    stream_options: { include_usage: true, include_obfuscation: false },
    metadata: { k: 'v' },
    logprobs: true,
  });
  assert.equal(req.includeUsage, undefined, 'the client did not ask for usage');
});

test('encodeRequest: option mapping edge cases', () => {
  const base = hubRequest({ stream: false, tools: undefined, toolChoice: { type: 'required' }, parallelToolCalls: false });
  let body = openaiFormat.encodeRequest(base, upCtx);
  assert.equal(body.tool_choice, undefined, 'no tools → no tool_choice');
  assert.equal(body.parallel_tool_calls, undefined);
  assert.equal(body.stream, undefined);
  assert.equal(body.stream_options, undefined);
  assert.equal(body.top_k, undefined);

  const effort = (reasoning: Request['reasoning']) => openaiFormat.encodeRequest(hubRequest({ reasoning }), upCtx).reasoning_effort;
  assert.equal(effort({ enabled: true, budgetTokens: 1024 }), 'low');
  assert.equal(effort({ enabled: true, budgetTokens: 8192 }), 'medium');
  assert.equal(effort({ enabled: true, budgetTokens: 32000 }), 'high');
  assert.equal(effort({ enabled: true, budgetTokens: -1 }), 'medium');
  assert.equal(effort({ enabled: true }), 'medium');
  assert.equal(effort({ enabled: true, effort: 'xhigh' }), 'xhigh');
  assert.equal(effort({ enabled: false }), undefined);
  assert.equal(effort(undefined), undefined);

  body = openaiFormat.encodeRequest(hubRequest({ toolChoice: { type: 'tool', name: 'weather' } }), upCtx);
  assert.deepEqual(body.tool_choice, { type: 'function', function: { name: 'weather' } });
  body = openaiFormat.encodeRequest(hubRequest({ responseFormat: { type: 'json_object' } }), upCtx);
  assert.deepEqual(body.response_format, { type: 'json_object' });

  // Gemini SDK schemas are upper case; OpenAI needs lower case (copy, not mutation)
  const params = { type: 'OBJECT', properties: { a: { type: 'STRING', enum: ['X'] }, b: { type: 'ARRAY', items: { type: 'INTEGER' } } } };
  body = openaiFormat.encodeRequest(hubRequest({ sourceFormat: 'gemini', tools: [{ type: 'function', name: 'g', parameters: params }] }), upCtx);
  assert.deepEqual((body.tools as { function: { parameters: unknown } }[])[0].function.parameters, {
    type: 'object',
    properties: { a: { type: 'string', enum: ['X'] }, b: { type: 'array', items: { type: 'integer' } } },
  });
  assert.equal(params.type, 'OBJECT');

  // assistant turn holding only foreign reasoning disappears instead of becoming an empty message
  body = openaiFormat.encodeRequest(
    hubRequest({
      messages: [
        { role: 'user', parts: [{ type: 'text', text: 'a' }] },
        { role: 'assistant', parts: [{ type: 'reasoning', text: 'x', family: 'gemini', signature: 's' }] },
        { role: 'user', parts: [{ type: 'text', text: 'b' }] },
      ],
    }),
    upCtx,
  );
  assert.deepEqual((body.messages as unknown[]).slice(1), [
    { role: 'user', content: 'a' },
    { role: 'user', content: 'b' },
  ]);

  assert.throws(() => openaiFormat.encodeRequest(hubRequest({ previousResponseId: 'resp_1' }), upCtx), /previous_response_id/);
  assert.throws(
    () =>
      openaiFormat.encodeRequest(
        hubRequest({ messages: [{ role: 'user', parts: [{ type: 'document', source: { kind: 'url', url: 'https://x/a.pdf' } }] }] }),
        upCtx,
      ),
    /Document URLs/,
  );
});

// ------------------------------------------------------------ responses

test('decodeResponse: recorded JSON fixtures', () => {
  const files = fixtureManifest().filter((e) => e.format === 'openai' && !e.streaming && !e.file.includes('error'));
  assert.equal(files.length, 3);

  const text = openaiFormat.decodeResponse(fixtureJson('openai/openai-text.json'), { reasoningStore: store });
  assert.equal(text.id, 'chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU');
  assert.equal(text.model, 'gpt-4.1-nano-2025-04-14');
  assert.equal(text.parts.length, 1);
  assert.ok(text.parts[0].type === 'text' && text.parts[0].text.startsWith('**Holiday Name:** Galaxy Day'));
  assert.equal(text.finishReason, 'stop');
  assert.deepEqual(text.usage, { inputTokens: 16, outputTokens: 363, cacheReadTokens: 0, reasoningTokens: 0 });
  assert.deepEqual(text.extras, { service_tier: 'default', system_fingerprint: 'fp_de604bd877', 'choices[0].message': { annotations: [] } });
  assert.equal(text.created, 1770933883);

  const ds = openaiFormat.decodeResponse(fixtureJson('openai/deepseek-tool-call.json'), { reasoningStore: store });
  assert.equal(ds.finishReason, 'tool_calls');
  assert.equal(ds.parts.length, 2);
  const [r, call] = ds.parts;
  assert.ok(r.type === 'reasoning' && r.family === 'openai' && r.text.startsWith('The user is asking for the weather'));
  assert.ok(call.type === 'tool_call');
  assert.equal(call.id, 'call_00_9V0vrf86Pc9aelHCJMZqnJBo');
  assert.equal(call.name, 'weather');
  assert.deepEqual(JSON.parse(call.arguments), { location: 'San Francisco' });
  assert.deepEqual(ds.usage, { inputTokens: 339, outputTokens: 92, cacheReadTokens: 320, reasoningTokens: 48 });

  const len = openaiFormat.decodeResponse(fixtureJson('openai/deepseek-text.json'), { reasoningStore: store });
  assert.equal(len.finishReason, 'length');
  assert.equal(len.rawFinishReason, 'length');
  assert.ok(len.parts[0].type === 'text' && len.parts[0].text.startsWith('## **Holiday Name: Gratitude'));
  assert.deepEqual(len.usage, { inputTokens: 13, outputTokens: 300, cacheReadTokens: 0 });
});

test('decodeResponse: refusal, legacy function_call, extra choices, bad bodies', () => {
  const refusal = openaiFormat.decodeResponse(
    { id: 'c', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot.' }, finish_reason: 'stop' }] },
    { reasoningStore: store },
  );
  assert.equal(refusal.finishReason, 'content_filter');
  assert.deepEqual(refusal.parts, [{ type: 'text', text: 'I cannot.' }]);

  const legacy = openaiFormat.decodeResponse(
    {
      id: 'c',
      model: 'm',
      choices: [{ message: { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{"a":1}' } }, finish_reason: 'function_call' }],
    },
    { reasoningStore: store },
  );
  assert.equal(legacy.finishReason, 'tool_calls');
  assert.ok(legacy.parts[0].type === 'tool_call' && legacy.parts[0].name === 'f' && legacy.parts[0].id.startsWith('call_'));

  // stop + tool calls (Ollama and others) is a tool stop
  const stopTools = openaiFormat.decodeResponse(
    {
      id: 'c',
      model: 'm',
      choices: [{ message: { content: '', tool_calls: [{ id: 'x', function: { name: 'f', arguments: { a: 1 } } }] }, finish_reason: 'stop' }],
    },
    { reasoningStore: store },
  );
  assert.equal(stopTools.finishReason, 'tool_calls');
  assert.ok(stopTools.parts[0].type === 'tool_call' && stopTools.parts[0].arguments === '{"a":1}');

  const two = openaiFormat.decodeResponse(
    {
      id: 'c',
      model: 'm',
      choices: [
        { index: 0, message: { content: 'a' }, finish_reason: 'stop' },
        { index: 1, message: { content: 'b' }, finish_reason: 'stop' },
      ],
    },
    { reasoningStore: store },
  );
  const encoded = openaiFormat.encodeResponse(
    two,
    clientCtx(openaiFormat.decodeRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], n: 2 }, {})),
  ) as { choices: { index: number }[] };
  assert.deepEqual(
    encoded.choices.map((c) => c.index),
    [0, 1],
  );

  assert.throws(
    () => openaiFormat.decodeResponse('nope', { reasoningStore: store }),
    (e: unknown) => e instanceof GatewayError && e.info.status === 502,
  );
  assert.throws(() => openaiFormat.decodeResponse({ choices: [] }, { reasoningStore: store }), /no choices/);
  assert.throws(
    () => openaiFormat.decodeResponse({ error: { message: 'quota gone' } }, { reasoningStore: store }),
    (e: unknown) => e instanceof GatewayError && e.info.message === 'quota gone',
  );
});

test('encodeResponse: chat.completion shape from a foreign response', () => {
  const req = openaiFormat.decodeRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, {});
  const res: Response = {
    id: 'msg_01ABC',
    model: 'claude-sonnet-4',
    parts: [
      { type: 'reasoning', text: 'Let me think.', family: 'anthropic', signature: 'sig' },
      { type: 'tool_call', id: 'toolu_1', name: 'weather', arguments: '{"city":"Rome"}' },
    ],
    finishReason: 'tool_calls',
    rawFinishReason: 'tool_use',
    usage: { inputTokens: 120, outputTokens: 40, cacheReadTokens: 100, cacheCreationTokens: 10, reasoningTokens: 12 },
    created: 1700000000,
    extras: { container: { id: 'c' } },
    sourceFormat: 'anthropic',
  };
  assert.deepEqual(openaiFormat.encodeResponse(res, clientCtx(req)), {
    id: 'chatcmpl-msg_01ABC',
    object: 'chat.completion',
    created: 1700000000,
    model: 'gpt-4o',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          reasoning_content: 'Let me think.',
          tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } }],
          refusal: null,
          annotations: [],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ],
    usage: {
      prompt_tokens: 120,
      completion_tokens: 40,
      total_tokens: 160,
      prompt_tokens_details: { cached_tokens: 100 },
      completion_tokens_details: { reasoning_tokens: 12 },
    },
  });
});

test('encodeResponse: same-format extras come back (system_fingerprint)', () => {
  const req = openaiFormat.decodeRequest({ model: 'alias', messages: [{ role: 'user', content: 'x' }] }, {});
  const res = openaiFormat.decodeResponse(fixtureJson('openai/openai-text.json'), { reasoningStore: store });
  const out = openaiFormat.encodeResponse(res, clientCtx(req, 'alias')) as Record<string, unknown>;
  assert.equal(out.id, 'chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU');
  assert.equal(out.model, 'alias');
  assert.equal(out.system_fingerprint, 'fp_de604bd877');
  assert.equal(out.service_tier, 'default');
  assert.ok(!('choices[0].message' in out));

  // choice-level fields the client asked for (logprobs, annotations) come back to an OpenAI client
  const withLogprobs = openaiFormat.decodeResponse(
    {
      id: 'chatcmpl-1',
      model: 'm',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi', annotations: [{ type: 'url_citation', url_citation: { url: 'https://a' } }] },
          logprobs: { content: [{ token: 'Hi', logprob: -0.1 }] },
          finish_reason: 'stop',
        },
      ],
    },
    { reasoningStore: store },
  );
  const enc = openaiFormat.encodeResponse(withLogprobs, clientCtx(req, 'alias')) as { choices: { logprobs: unknown; message: { annotations: unknown } }[] };
  assert.deepEqual(enc.choices[0].logprobs, { content: [{ token: 'Hi', logprob: -0.1 }] });
  assert.deepEqual(enc.choices[0].message.annotations, [{ type: 'url_citation', url_citation: { url: 'https://a' } }]);
});

// ------------------------------------------------------------ errors

test('decodeError: OpenAI body, compatible variations, non-JSON', () => {
  const fx = openaiFormat.decodeError(400, fixtureText('openai/reasoning-model-legacy-parameter-error.json'));
  assert.equal(fx.status, 400);
  assert.equal(fx.kind, 'invalid_request');
  assert.equal(fx.message, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.");
  assert.equal(fx.providerType, 'unsupported_parameter');
  assert.equal(fx.param, 'max_tokens');

  const quota = openaiFormat.decodeError(
    429,
    '{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}',
  );
  assert.equal(quota.kind, 'rate_limit');
  assert.equal(quota.providerType, 'insufficient_quota');

  assert.equal(openaiFormat.decodeError(400, '{"error":"bad thing"}').message, 'bad thing');
  assert.equal(openaiFormat.decodeError(422, '{"detail":"Field required"}').message, 'Field required');
  assert.equal(openaiFormat.decodeError(404, '{"message":"no such model"}').kind, 'not_found');
  const google = openaiFormat.decodeError(400, '[{"error":{"code":400,"message":"Invalid JSON payload","status":"INVALID_ARGUMENT"}}]');
  assert.equal(google.message, 'Invalid JSON payload');
  assert.equal(google.providerType, 'INVALID_ARGUMENT');
  const html = openaiFormat.decodeError(502, '<html><body>Bad Gateway</body></html>');
  assert.equal(html.kind, 'upstream');
  assert.match(html.message, /Bad Gateway/);
  assert.equal(openaiFormat.decodeError(503, '').message, 'Downstream returned HTTP 503');
  assert.equal(openaiFormat.decodeError(500, '').kind, 'server');
});

test('encodeError: OpenAI error body per kind', () => {
  assert.deepEqual(openaiFormat.encodeError({ status: 400, kind: 'invalid_request', message: 'bad', param: 'messages' }), {
    error: { message: 'bad', type: 'invalid_request_error', param: 'messages', code: null },
  });
  assert.deepEqual(openaiFormat.encodeError({ status: 429, kind: 'rate_limit', message: 'slow down' }), {
    error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' },
  });
  assert.deepEqual(openaiFormat.encodeError({ status: 429, kind: 'rate_limit', message: 'q', providerType: 'insufficient_quota' }), {
    error: { message: 'q', type: 'requests', param: null, code: 'insufficient_quota' },
  });
  assert.equal(
    (openaiFormat.encodeError({ status: 401, kind: 'authentication', message: 'x' }) as { error: { type: string } }).error.type,
    'authentication_error',
  );
  assert.equal((openaiFormat.encodeError({ status: 404, kind: 'not_found', message: 'x' }) as { error: { type: string } }).error.type, 'not_found_error');
  assert.equal((openaiFormat.encodeError({ status: 502, kind: 'upstream', message: 'x' }) as { error: { type: string } }).error.type, 'server_error');
});

test('upstream path and auth headers', () => {
  assert.equal(openaiFormat.upstreamPath('gpt-4o', true), '/v1/chat/completions');
  assert.deepEqual(openaiFormat.authHeaders('sk-1'), { authorization: 'Bearer sk-1' });
  assert.equal(openaiFormat.id, 'openai');
});
