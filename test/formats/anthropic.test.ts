import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicFormat, DEFAULT_MAX_TOKENS, THINKING_BUDGETS } from '../../src/formats/anthropic/index.js';
import { MISSING_RESULT_TEXT, PLACEHOLDER_USER_TEXT } from '../../src/formats/anthropic/convert-to-anthropic-messages.js';
import { countBreakpoints } from '../../src/formats/anthropic/auto-cache.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import type { Message, Request } from '../../src/ir/types.js';
import { GatewayError } from '../../src/util/errors.js';
import { anthropicMock } from '../mocks/anthropic.js';

type Rec = Record<string, unknown>;

const HEADERS = { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' };

function upCtx(opts: { autoCache?: boolean; store?: ReasoningStore; version?: string } = {}) {
  return {
    model: 'claude-sonnet-4-5-20250929',
    autoCache: opts.autoCache ?? false,
    anthropicVersion: opts.version ?? '2023-06-01',
    reasoningStore: opts.store ?? new ReasoningStore(),
  };
}

function encode(req: Request, opts: Parameters<typeof upCtx>[0] = {}): Rec {
  return anthropicFormat.encodeRequest(req, upCtx(opts));
}

function assertValid(body: Rec): void {
  assert.deepEqual(anthropicMock.validateRequest(body, HEADERS, '/v1/messages'), []);
}

function problems(body: unknown, headers: Record<string, string> = HEADERS): string[] {
  return anthropicMock.validateRequest(body, headers, '/v1/messages');
}

function hub(messages: Message[], extra: Partial<Request> = {}): Request {
  return { model: 'gpt-4o', system: [], messages, stream: false, sourceFormat: 'openai', ...extra };
}

function rejects(body: unknown, text: string): void {
  assert.throws(
    () => anthropicFormat.decodeRequest(body, {}),
    (e: unknown) => {
      assert.ok(e instanceof GatewayError, String(e));
      assert.equal(e.info.status, 400);
      assert.ok(`${e.info.param ?? ''} ${e.info.message}`.includes(text), e.info.message);
      return true;
    },
  );
}

const messagesOf = (body: Rec) => body.messages as { role: string; content: Rec[] }[];

// ------------------------------------------------------------ client request decode

test('decodeRequest: system blocks, split user turns, assistant blocks, parameters', () => {
  const req = anthropicFormat.decodeRequest(
    {
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      system: [
        { type: 'text', text: 'You are terse.' },
        { type: 'text', text: 'Long context', cache_control: { type: 'ephemeral', ttl: '1h' } },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' }, title: 'a.pdf' },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain words' } },
            { type: 'image', source: { type: 'file', file_id: 'file_011' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Need weather.', signature: 'EqQBsig' },
            { type: 'redacted_thinking', data: 'EmwKAhgBredacted' },
            { type: 'text', text: 'Checking.' },
            { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'x' } },
            { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [] },
            { type: 'tool_use', id: 'toolu_01A', name: 'weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_01B', name: 'time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01A', content: 'Sunny' },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_01B',
              is_error: true,
              content: [
                { type: 'text', text: 'clock broken' },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA=' } },
              ],
            },
            { type: 'text', text: 'And tomorrow?' },
          ],
        },
      ],
      tools: [
        {
          name: 'weather',
          description: 'Weather',
          input_schema: { type: 'object', properties: { city: { type: 'string' } } },
          cache_control: { type: 'ephemeral' },
        },
        { name: 'time', input_schema: { type: 'object' }, defer_loading: true, strict: true },
        { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      stream: true,
      metadata: { user_id: 'user-42' },
      service_tier: 'auto',
    },
    {},
  );
  assert.equal(req.sourceFormat, 'anthropic');
  assert.equal(req.model, 'claude-sonnet-4-5');
  assert.equal(req.maxTokens, 2048);
  assert.deepEqual(req.system, [{ text: 'You are terse.' }, { text: 'Long context', cacheControl: { type: 'ephemeral', ttl: '1h' } }]);
  assert.deepEqual(
    req.messages.map((m) => m.role),
    ['user', 'assistant', 'tool', 'user'],
  );
  const [user, assistant, tool, user2] = req.messages;
  assert.deepEqual(user.parts[1], { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } });
  assert.deepEqual(user.parts[2], { type: 'image', source: { kind: 'url', url: 'https://example.com/a.jpg' } });
  assert.deepEqual(user.parts[3], { type: 'document', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0x' }, filename: 'a.pdf' });
  assert.deepEqual(user.parts[4], {
    type: 'document',
    source: { kind: 'base64', mediaType: 'text/plain', data: Buffer.from('plain words').toString('base64') },
  });
  assert.deepEqual(user.parts[5], { type: 'image', source: { kind: 'file_id', fileId: 'file_011' } });
  assert.deepEqual(assistant.parts, [
    { type: 'reasoning', text: 'Need weather.', signature: 'EqQBsig', family: 'anthropic' },
    { type: 'reasoning', text: '', redactedData: 'EmwKAhgBredacted', family: 'anthropic' },
    { type: 'text', text: 'Checking.' },
    { type: 'tool_call', id: 'toolu_01A', name: 'weather', arguments: '{"city":"Paris"}' },
    { type: 'tool_call', id: 'toolu_01B', name: 'time', arguments: '{}' },
  ]);
  assert.deepEqual(
    assistant.providerParts?.map((p) => [p.index, p.raw.type]),
    [
      [3, 'server_tool_use'],
      [3, 'web_search_tool_result'],
    ],
  );
  assert.deepEqual(tool.parts, [
    { type: 'tool_result', toolCallId: 'toolu_01A', content: [{ type: 'text', text: 'Sunny' }] },
    {
      type: 'tool_result',
      toolCallId: 'toolu_01B',
      isError: true,
      content: [
        { type: 'text', text: 'clock broken' },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAA=' } },
      ],
    },
  ]);
  assert.deepEqual(user2.parts, [{ type: 'text', text: 'And tomorrow?' }]);
  assert.equal(req.tools?.length, 3);
  assert.deepEqual(req.tools?.[0], {
    type: 'function',
    name: 'weather',
    description: 'Weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
    cacheControl: { type: 'ephemeral' },
  });
  assert.deepEqual(req.tools?.[1], { type: 'function', name: 'time', parameters: { type: 'object' }, strict: true, extras: { defer_loading: true } });
  assert.deepEqual(req.tools?.[2], { type: 'provider', format: 'anthropic', raw: { type: 'web_search_20250305', name: 'web_search', max_uses: 3 } });
  assert.deepEqual(req.toolChoice, { type: 'required' });
  assert.equal(req.parallelToolCalls, false);
  assert.equal(req.temperature, 0.5);
  assert.equal(req.topP, 0.9);
  assert.equal(req.topK, 40);
  assert.deepEqual(req.stop, ['END']);
  assert.equal(req.stream, true);
  assert.equal(req.user, 'user-42');
  assert.deepEqual(req.extras, { service_tier: 'auto' });
});

test('decodeRequest: thinking, effort and structured output', () => {
  const base = { model: 'claude-opus-4-6', max_tokens: 8000, messages: [{ role: 'user', content: 'hi' }] };
  assert.deepEqual(anthropicFormat.decodeRequest({ ...base, thinking: { type: 'enabled', budget_tokens: 3000 } }, {}).reasoning, {
    enabled: true,
    budgetTokens: 3000,
  });
  assert.deepEqual(anthropicFormat.decodeRequest({ ...base, thinking: { type: 'disabled' } }, {}).reasoning, { enabled: false });
  const adaptive = anthropicFormat.decodeRequest(
    { ...base, thinking: { type: 'adaptive' }, output_config: { effort: 'max', format: { type: 'json_schema', schema: { type: 'object', title: 'Person' } } } },
    {},
  );
  assert.deepEqual(adaptive.reasoning, { enabled: true, effort: 'xhigh' });
  assert.deepEqual(adaptive.responseFormat, { type: 'json_schema', name: 'Person', schema: { type: 'object', title: 'Person' }, strict: true });
  assert.deepEqual(adaptive.extras, {
    thinking: { type: 'adaptive' },
    output_config: { effort: 'max', format: { type: 'json_schema', schema: { type: 'object', title: 'Person' } } },
  });
  const effortOnly = anthropicFormat.decodeRequest({ ...base, output_config: { effort: 'low' } }, {});
  assert.deepEqual(effortOnly.reasoning, { enabled: true, effort: 'low' });
  const beta = anthropicFormat.decodeRequest({ ...base, output_format: { type: 'json_schema', schema: { type: 'object' } } }, {});
  assert.equal(beta.responseFormat?.type, 'json_schema');
});

test('decodeRequest: bad shapes are 400s naming the field', () => {
  rejects(null, 'JSON object');
  rejects({ messages: [] }, 'model');
  rejects({ model: 'm' }, 'messages');
  rejects({ model: 'm', messages: [{ role: 'system', content: 'x' }] }, 'messages.0.role');
  rejects({ model: 'm', messages: [{ role: 'user', content: 5 }] }, 'messages.0.content');
  rejects({ model: 'm', messages: [{ role: 'user', content: [{ text: 'no type' }] }] }, 'messages.0.content.0');
  rejects({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', data: 'x' } }] }] }, 'media_type');
  rejects({ model: 'm', messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'n', input: 'x' }] }] }, 'input');
  rejects({ model: 'm', max_tokens: -1, messages: [] }, 'max_tokens');
  rejects({ model: 'm', temperature: 3, messages: [] }, 'temperature');
  rejects({ model: 'm', tool_choice: 'auto', messages: [] }, 'tool_choice');
  rejects({ model: 'm', thinking: { type: 'enabled' }, messages: [] }, 'budget_tokens');
  rejects({ model: 'm', system: [{ type: 'image' }], messages: [] }, 'system.0');
  rejects({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'forever' } }] }] }, 'cache_control');
});

// ------------------------------------------------------------ same-format round trip

test('Anthropic → hub → Anthropic keeps the request (server blocks, extras, adaptive thinking)', () => {
  const original = {
    model: 'claude-opus-4-6',
    max_tokens: 16000,
    system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Search the news' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'plan', signature: 'sigA' },
          { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'news' } },
          { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [] },
          { type: 'text', text: 'Found it.' },
          { type: 'tool_use', id: 'toolu_01', name: 'save', input: { a: 1 } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'ok' }] },
    ],
    tools: [
      { name: 'save', input_schema: { type: 'object', properties: { a: { type: 'number' } } }, defer_loading: true },
      { type: 'web_search_20250305', name: 'web_search' },
    ],
    tool_choice: { type: 'auto' },
    thinking: { type: 'adaptive' },
    output_config: { effort: 'high' },
    stream: true,
    service_tier: 'auto',
    context_management: { edits: [] },
  };
  const req = anthropicFormat.decodeRequest(original, {});
  const body = anthropicFormat.encodeRequest(req, upCtx({ autoCache: true, version: '2023-06-01' }));
  assert.deepEqual(body, { ...original, model: 'claude-sonnet-4-5-20250929' });
  assertValid(body);
});

test('Anthropic client on API version 2026-10-21: no sampling fields are forwarded', () => {
  const req = anthropicFormat.decodeRequest(
    { model: 'm', max_tokens: 10, temperature: 0.2, top_p: 0.5, top_k: 5, messages: [{ role: 'user', content: 'x' }] },
    {},
  );
  const body = encode(req, { version: '2026-10-21' });
  assert.equal(body.temperature, undefined);
  assert.equal(body.top_p, undefined);
  assert.equal(body.top_k, undefined);
  const old = encode(req);
  assert.deepEqual([old.temperature, old.top_p, old.top_k], [0.2, 0.5, 5]);
});

// ------------------------------------------------------------ downstream request encode

/** A rich request from an OpenAI client. */
function richRequest(): Request {
  return hub(
    [
      {
        role: 'user',
        parts: [
          { type: 'text', text: 'Look at these' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' } },
          { type: 'image', source: { kind: 'url', url: 'data:image/jpeg;base64,/9j/4AAQ' } },
          { type: 'document', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0x' }, filename: 'report.pdf' },
          { type: 'document', source: { kind: 'url', url: 'https://example.com/doc.pdf', mediaType: 'application/pdf' } },
          { type: 'text', text: '' },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', text: 'openai reasoning', family: 'openai', encrypted: 'gAAAA' },
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'tool_call', id: 'call_2', name: 'get_time', arguments: '' },
        ],
      },
      {
        role: 'tool',
        parts: [
          { type: 'tool_result', toolCallId: 'call_1', content: [{ type: 'text', text: '{"temp":20}' }] },
          {
            type: 'tool_result',
            toolCallId: 'call_2',
            isError: true,
            content: [
              { type: 'text', text: 'clock failed' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } },
            ],
          },
        ],
      },
      { role: 'assistant', parts: [{ type: 'text', text: 'Sunny, 20C.' }] },
      { role: 'user', parts: [{ type: 'text', text: 'Summarise as JSON.' }] },
    ],
    {
      system: [{ text: 'You are helpful.' }, { text: 'Answer briefly.', role: 'developer' }],
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Current weather',
          parameters: { type: 'OBJECT', properties: { city: { type: 'STRING', enum: ['Paris', 'LONDON'] } }, required: ['city'] },
          strict: true,
        },
        { type: 'function', name: 'get_time', parameters: {} },
        { type: 'provider', format: 'openai_responses', raw: { type: 'web_search' } },
      ],
      toolChoice: { type: 'auto' },
      parallelToolCalls: false,
      maxTokens: 1000,
      temperature: 0.7,
      topP: 0.9,
      topK: 20,
      stop: ['END', '\n'],
      seed: 42,
      presencePenalty: 0.5,
      frequencyPenalty: 0.5,
      n: 1,
      responseFormat: { type: 'json_schema', name: 'summary', schema: { type: 'object', properties: { text: { type: 'string' } } } },
      reasoning: { enabled: true, effort: 'low' },
      user: 'user-7',
      stream: true,
    },
  );
}

test('encodeRequest: a rich OpenAI-client request becomes a valid Messages request', () => {
  const body = encode(richRequest());
  assertValid(body);
  assert.equal(body.model, 'claude-sonnet-4-5-20250929');
  // thinking on: budget for "low", max_tokens raised above it with the client's 1000 as answer room
  assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: THINKING_BUDGETS.low });
  assert.equal(body.max_tokens, THINKING_BUDGETS.low + 1000);
  assert.equal(body.temperature, undefined);
  assert.equal(body.top_k, undefined);
  assert.equal(body.top_p, 0.95);
  assert.deepEqual(body.stop_sequences, ['END']);
  assert.deepEqual(body.metadata, { user_id: 'user-7' });
  assert.equal(body.stream, true);
  for (const k of ['seed', 'n', 'presence_penalty', 'frequency_penalty', 'response_format', 'user']) assert.equal(body[k], undefined, k);

  const system = body.system as Rec[];
  assert.deepEqual(system.slice(0, 2), [
    { type: 'text', text: 'You are helpful.' },
    { type: 'text', text: 'Answer briefly.' },
  ]);
  assert.match(String(system[2].text), /JSON schema "summary"/);
  assert.match(String(system[2].text), /"properties":\{"text":\{"type":"string"\}\}/);

  const msgs = messagesOf(body);
  assert.deepEqual(
    msgs.map((m) => m.role),
    ['user', 'assistant', 'user', 'assistant', 'user'],
  );
  assert.deepEqual(msgs[0].content, [
    { type: 'text', text: 'Look at these' },
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
    { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
    { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' }, title: 'report.pdf' },
    { type: 'document', source: { type: 'url', url: 'https://example.com/doc.pdf' } },
  ]);
  // foreign reasoning dropped, ids kept byte-identical, empty arguments → {}
  assert.deepEqual(msgs[1].content, [
    { type: 'text', text: 'Let me check.' },
    { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
    { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
  ]);
  assert.deepEqual(msgs[2].content, [
    { type: 'tool_result', tool_use_id: 'call_1', content: '{"temp":20}' },
    {
      type: 'tool_result',
      tool_use_id: 'call_2',
      is_error: true,
      content: [
        { type: 'text', text: 'clock failed' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
      ],
    },
  ]);
  const tools = body.tools as Rec[];
  assert.equal(tools.length, 2, 'the Responses-only hosted tool is dropped');
  assert.deepEqual(tools[0], {
    name: 'get_weather',
    description: 'Current weather',
    input_schema: { type: 'object', properties: { city: { type: 'string', enum: ['Paris', 'LONDON'] } }, required: ['city'] },
  });
  assert.deepEqual(tools[1], { name: 'get_time', input_schema: { type: 'object' } });
  assert.deepEqual(body.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
});

test('encodeRequest: max_tokens default, n > 1 rejected, sampling rules without thinking', () => {
  const body = encode(hub([{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }], { temperature: 1.6, topP: 0.5 }));
  assert.equal(body.max_tokens, DEFAULT_MAX_TOKENS);
  assert.equal(body.temperature, 1, 'OpenAI temperatures above 1 are clamped');
  assert.equal(body.top_p, undefined, 'recent Claude models reject temperature and top_p together');
  assertValid(body);
  const onlyTopP = encode(hub([{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }], { topP: 0.5 }));
  assert.equal(onlyTopP.top_p, 0.5);
  assert.throws(
    () => encode(hub([{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }], { n: 2 })),
    (e: unknown) => e instanceof GatewayError && e.info.status === 400 && e.info.param === 'n',
  );
});

test('encodeRequest: explicit budget wins; effort budgets; reasoning off', () => {
  const user: Message[] = [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }];
  const explicit = encode(hub(user, { reasoning: { enabled: true, effort: 'high', budgetTokens: 5000 }, maxTokens: 20000 }));
  assert.deepEqual(explicit.thinking, { type: 'enabled', budget_tokens: 5000 });
  assert.equal(explicit.max_tokens, 20000);
  const tiny = encode(hub(user, { reasoning: { enabled: true, budgetTokens: 100 } }));
  assert.deepEqual(tiny.thinking, { type: 'enabled', budget_tokens: 1024 }, 'budget floor is 1024');
  const high = encode(hub(user, { reasoning: { enabled: true, effort: 'high' } }));
  assert.deepEqual(high.thinking, { type: 'enabled', budget_tokens: THINKING_BUDGETS.high });
  assert.equal(high.max_tokens, THINKING_BUDGETS.high + DEFAULT_MAX_TOKENS);
  assertValid(high);
  assert.equal(encode(hub(user, { reasoning: { enabled: false } })).thinking, undefined);
  assert.equal(encode(hub(user, { reasoning: { enabled: true, effort: 'none' } })).thinking, undefined);
  // forced tool use is incompatible with thinking: the forced choice wins
  const forced = encode(
    hub(user, {
      reasoning: { enabled: true, effort: 'medium' },
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }],
      toolChoice: { type: 'tool', name: 'f' },
      temperature: 0.3,
    }),
  );
  assert.equal(forced.thinking, undefined);
  assert.deepEqual(forced.tool_choice, { type: 'tool', name: 'f' });
  assert.equal(forced.temperature, 0.3);
  assertValid(forced);
});

test('encodeRequest: alternation, leading assistant, orphan and missing tool results', () => {
  const body = encode(
    hub([
      { role: 'assistant', parts: [{ type: 'text', text: 'Hello! How can I help?' }] },
      { role: 'user', parts: [{ type: 'text', text: 'one' }] },
      {
        role: 'user',
        parts: [
          { type: 'text', text: 'two' },
          { type: 'text', text: '   ' },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: 'call_a', name: 'f', arguments: '{}' },
          { type: 'tool_call', id: 'call_b', name: 'f', arguments: 'not json' },
        ],
      },
      { role: 'user', parts: [{ type: 'text', text: 'I interrupt' }] },
      { role: 'tool', parts: [{ type: 'tool_result', toolCallId: 'call_a', content: [{ type: 'text', text: 'A' }] }] },
      { role: 'tool', parts: [{ type: 'tool_result', toolCallId: 'call_zzz', content: [{ type: 'text', text: 'stray' }] }] },
      { role: 'assistant', parts: [{ type: 'text', text: '' }] },
      { role: 'assistant', parts: [{ type: 'text', text: 'done' }] },
    ]),
  );
  assertValid(body);
  const msgs = messagesOf(body);
  assert.deepEqual(
    msgs.map((m) => m.role),
    ['user', 'assistant', 'user', 'assistant', 'user', 'assistant'],
  );
  assert.deepEqual(msgs[0].content, [{ type: 'text', text: PLACEHOLDER_USER_TEXT }]);
  assert.deepEqual(msgs[2].content, [
    { type: 'text', text: 'one' },
    { type: 'text', text: 'two' },
  ]);
  assert.deepEqual(msgs[4].content, [
    { type: 'tool_result', tool_use_id: 'call_a', content: 'A' },
    { type: 'tool_result', tool_use_id: 'call_b', content: MISSING_RESULT_TEXT, is_error: true },
    { type: 'text', text: '[result of tool call call_zzz]\nstray' },
    { type: 'text', text: 'I interrupt' },
  ]);
  assert.deepEqual(msgs[5].content, [{ type: 'text', text: 'done' }]);
  assert.deepEqual(encode(hub([])).messages, [{ role: 'user', content: [{ type: 'text', text: PLACEHOLDER_USER_TEXT }] }]);
});

test('encodeRequest: tool ids Anthropic would reject are rewritten consistently', () => {
  const body = encode(
    hub([
      { role: 'user', parts: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'functions.lookup:0', name: 'lookup', arguments: '{}' }] },
      { role: 'tool', parts: [{ type: 'tool_result', toolCallId: 'functions.lookup:0', content: [{ type: 'text', text: 'x' }] }] },
    ]),
  );
  assertValid(body);
  const msgs = messagesOf(body);
  assert.equal(msgs[1].content[0].id, 'functions_lookup_0');
  assert.equal(msgs[2].content[0].tool_use_id, 'functions_lookup_0');
});

test('encodeRequest: media the API cannot take becomes a text note, file ids only for Anthropic clients', () => {
  const msgs = messagesOf(
    encode(
      hub([
        {
          role: 'user',
          parts: [
            { type: 'image', source: { kind: 'file_id', fileId: 'file-openai' } },
            { type: 'document', source: { kind: 'base64', mediaType: 'text/markdown', data: Buffer.from('# Title').toString('base64') } },
            { type: 'document', source: { kind: 'url', url: 'data:application/json;base64,' + Buffer.from('{"a":1}').toString('base64') } },
          ],
        },
      ]),
    ),
  );
  assert.match(String(msgs[0].content[0].text), /image omitted: file reference file-openai/);
  assert.deepEqual(msgs[0].content[1], { type: 'document', source: { type: 'text', media_type: 'text/plain', data: '# Title' } });
  assert.deepEqual(msgs[0].content[2], { type: 'document', source: { type: 'text', media_type: 'text/plain', data: '{"a":1}' } });
});

test('encodeRequest: schema cleaning keeps the hub schema untouched', () => {
  const schema = { anyOf: [{ type: 'object' }, { type: 'null' }], properties: { t: { type: ['STRING', 'NULL'], default: { type: 'KEEP' } } } };
  const frozen = JSON.stringify(schema);
  const body = encode(hub([{ role: 'user', parts: [{ type: 'text', text: 'x' }] }], { tools: [{ type: 'function', name: 'f', parameters: schema }] }));
  assert.deepEqual((body.tools as Rec[])[0].input_schema, {
    type: 'object',
    properties: { t: { type: ['string', 'null'], default: { type: 'KEEP' } } },
  });
  assert.equal(JSON.stringify(schema), frozen);
  assertValid(body);
});

test('encodeRequest: json_object becomes an instruction; Anthropic clients keep output_config', () => {
  const body = encode(hub([{ role: 'user', parts: [{ type: 'text', text: 'x' }] }], { responseFormat: { type: 'json_object' } }));
  assert.match(String((body.system as Rec[])[0].text), /single valid JSON object/);
  const own = anthropicFormat.decodeRequest(
    {
      model: 'm',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'x' }],
      output_config: { format: { type: 'json_schema', schema: { type: 'object', additionalProperties: false } } },
    },
    {},
  );
  const out = encode(own);
  assert.equal(out.system, undefined);
  assert.deepEqual(out.output_config, { format: { type: 'json_schema', schema: { type: 'object', additionalProperties: false } } });
});

// ------------------------------------------------------------ reasoning continuity

function toolLoop(): Request {
  return hub(
    [
      { role: 'user', parts: [{ type: 'text', text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', text: 'from openai', family: 'openai' },
          { type: 'tool_call', id: 'toolu_01Loop', name: 'weather', arguments: '{"city":"Paris"}' },
        ],
      },
      { role: 'tool', parts: [{ type: 'tool_result', toolCallId: 'toolu_01Loop', content: [{ type: 'text', text: 'Sunny' }] }] },
    ],
    {
      tools: [{ type: 'function', name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
      reasoning: { enabled: true, effort: 'medium' },
      temperature: 0.2,
    },
  );
}

test('reasoning continuity: thinking blocks restored from the store for another family', () => {
  const store = new ReasoningStore();
  store.put('toolu_01Loop', {
    family: 'anthropic',
    parts: [
      { type: 'reasoning', text: 'I should call weather.', signature: 'EpoBsig', family: 'anthropic' },
      { type: 'reasoning', text: '', redactedData: 'EmwKredacted', family: 'anthropic' },
    ],
  });
  const body = encode(toolLoop(), { store });
  assertValid(body);
  assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: THINKING_BUDGETS.medium });
  assert.equal(body.temperature, undefined);
  assert.deepEqual(messagesOf(body)[1].content, [
    { type: 'thinking', thinking: 'I should call weather.', signature: 'EpoBsig' },
    { type: 'redacted_thinking', data: 'EmwKredacted' },
    { type: 'tool_use', id: 'toolu_01Loop', name: 'weather', input: { city: 'Paris' } },
  ]);
});

test('reasoning continuity: unrestorable history turns thinking off (and the validator enforces why)', () => {
  const body = encode(toolLoop(), { store: new ReasoningStore() });
  assertValid(body);
  assert.equal(body.thinking, undefined);
  assert.equal(body.temperature, 0.2, 'sampling is back once thinking is off');
  assert.deepEqual(messagesOf(body)[1].content, [{ type: 'tool_use', id: 'toolu_01Loop', name: 'weather', input: { city: 'Paris' } }]);
  // the same body with thinking forced on is what the API rejects
  const forced = { ...body, thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 8000 };
  delete (forced as Rec).temperature;
  assert.ok(
    problems(forced).some((p) => p.includes('must start with a thinking block')),
    problems(forced).join('\n'),
  );
  // a store entry of another family does not count
  const store = new ReasoningStore();
  store.put('toolu_01Loop', { family: 'gemini', parts: [{ type: 'reasoning', text: 'x', signature: 'g', family: 'gemini' }] });
  assert.equal(encode(toolLoop(), { store }).thinking, undefined);
});

test('reasoning continuity: an Anthropic client sending its own thinking keeps it', () => {
  const req = toolLoop();
  req.messages[1].parts.unshift({ type: 'reasoning', text: 'own', signature: 'sigOwn', family: 'anthropic' });
  const body = encode(req);
  assert.ok(body.thinking);
  assert.deepEqual(messagesOf(body)[1].content[0], { type: 'thinking', thinking: 'own', signature: 'sigOwn' });
  assertValid(body);
});

test('reasoning continuity: finished tool loops need no thinking blocks', () => {
  const req = toolLoop();
  req.messages.push({ role: 'assistant', parts: [{ type: 'text', text: 'Sunny.' }] }, { role: 'user', parts: [{ type: 'text', text: 'And Rome?' }] });
  const body = encode(req);
  assert.ok(body.thinking);
  assertValid(body);
});

test('reasoning continuity: an assistant prefill without thinking turns thinking off; trailing space trimmed', () => {
  const req = hub(
    [
      { role: 'user', parts: [{ type: 'text', text: 'Write a haiku' }] },
      { role: 'assistant', parts: [{ type: 'text', text: 'Autumn moon ' }] },
    ],
    { reasoning: { enabled: true, effort: 'low' } },
  );
  const body = encode(req);
  assert.equal(body.thinking, undefined);
  assert.deepEqual(messagesOf(body)[1].content, [{ type: 'text', text: 'Autumn moon' }]);
  assertValid(body);
  const forced = { ...body, thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 4096 };
  assert.ok(problems(forced).some((p) => p.includes('must start with a thinking block')));
});

// ------------------------------------------------------------ automatic cache breakpoints

function cacheRequest(): Request {
  return hub(
    [
      { role: 'user', parts: [{ type: 'text', text: 'u1' }] },
      { role: 'assistant', parts: [{ type: 'text', text: 'a1' }] },
      { role: 'user', parts: [{ type: 'text', text: 'u2' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_9', name: 'f', arguments: '{}' }] },
      { role: 'tool', parts: [{ type: 'tool_result', toolCallId: 'call_9', content: [{ type: 'text', text: 'r' }] }] },
    ],
    {
      system: [{ text: 'sys one' }, { text: 'sys two' }],
      tools: [
        { type: 'function', name: 'f', parameters: { type: 'object' } },
        { type: 'function', name: 'g', parameters: { type: 'object' } },
      ],
    },
  );
}

test('auto cache: tools, system, last two user turns; deterministic; at most 4', () => {
  const req = cacheRequest();
  const body = encode(req, { autoCache: true });
  assertValid(body);
  assert.deepEqual(body, encode(req, { autoCache: true }), 'same request, same breakpoints');
  const tools = body.tools as Rec[];
  const system = body.system as Rec[];
  const msgs = messagesOf(body);
  assert.equal(tools[0].cache_control, undefined);
  assert.deepEqual(tools[1].cache_control, { type: 'ephemeral' });
  assert.equal(system[0].cache_control, undefined);
  assert.deepEqual(system[1].cache_control, { type: 'ephemeral' });
  assert.deepEqual(msgs[4].content[0].cache_control, { type: 'ephemeral' }, 'last user turn (tool result)');
  assert.deepEqual(msgs[2].content[0].cache_control, { type: 'ephemeral' }, 'the user turn before it');
  assert.equal(msgs[0].content[0].cache_control, undefined);
  assert.equal(countBreakpoints(body as never), 4);
  // the hub request was not touched
  assert.equal(req.tools?.[1].type === 'function' && req.tools[1].cacheControl, undefined);
});

test('auto cache: counts breakpoints already present, off for Anthropic clients and when disabled', () => {
  const req = cacheRequest();
  req.system[0].cacheControl = { type: 'ephemeral' };
  req.messages[0].parts[0] = { type: 'text', text: 'u1', cacheControl: { type: 'ephemeral' } };
  const body = encode(req, { autoCache: true });
  assert.equal(countBreakpoints(body as never), 4);
  assertValid(body);
  assert.equal(messagesOf(body)[2].content[0].cache_control, undefined, 'budget ran out before the second user turn');
  assert.equal(countBreakpoints(encode(cacheRequest(), { autoCache: false }) as never), 0);
  assert.equal(countBreakpoints(encode({ ...cacheRequest(), sourceFormat: 'anthropic' }, { autoCache: true }) as never), 0);
});

// ------------------------------------------------------------ strict mock validator

test('mock validator rejects what the real API rejects', () => {
  const ok = {
    model: 'claude-sonnet-4-5',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'hi' }],
  };
  assertValid(ok);
  const cases: [Rec, string][] = [
    [{ ...ok, max_tokens: undefined }, 'max_tokens: Field required'],
    [{ ...ok, model: undefined }, 'model: Field required'],
    [{ ...ok, messages: undefined }, 'messages: Field required'],
    [{ ...ok, messages: [{ role: 'assistant', content: 'x' }] }, 'first message must use the "user" role'],
    [
      {
        ...ok,
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
        ],
      },
      'roles must alternate',
    ],
    [{ ...ok, n: 2 }, 'n: Extra inputs are not permitted'],
    [{ ...ok, response_format: { type: 'json_object' } }, 'response_format: Extra'],
    [{ ...ok, stream_options: { include_usage: true } }, 'stream_options: Extra'],
    [{ ...ok, max_completion_tokens: 5 }, 'max_completion_tokens: Extra'],
    [{ ...ok, seed: 1 }, 'seed: Extra'],
    [{ ...ok, tools: [{ name: 'f', input_schema: { type: 'object' } }], tool_choice: 'auto' }, 'tool_choice: Input should be a valid dictionary'],
    [{ ...ok, thinking: { type: 'enabled', budget_tokens: 500 } }, 'greater than or equal to 1024'],
    [{ ...ok, thinking: { type: 'enabled', budget_tokens: 2000 } }, '`max_tokens` must be greater than `thinking.budget_tokens`'],
    [{ ...ok, max_tokens: 5000, thinking: { type: 'enabled', budget_tokens: 2000 }, temperature: 0.5 }, '`temperature` may only be set to 1'],
    [{ ...ok, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] }, 'text content blocks must be non-empty'],
    [{ ...ok, messages: [{ role: 'user', content: [{ type: 'text', text: '  ' }] }] }, 'non-whitespace'],
    [
      {
        ...ok,
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'r' }] },
        ],
      },
      'unexpected `tool_use_id`',
    ],
    [
      {
        ...ok,
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
          { role: 'user', content: 'no results' },
        ],
      },
      '`tool_use` ids were found without `tool_result` blocks',
    ],
    [
      {
        ...ok,
        system: [1, 2, 3, 4, 5].map((i) => ({ type: 'text', text: `s${i}`, cache_control: { type: 'ephemeral' } })),
      },
      'A maximum of 4 blocks with cache_control',
    ],
  ];
  for (const [body, expected] of cases) {
    const found = problems(body);
    assert.ok(
      found.some((p) => p.includes(expected)),
      `${expected}\n got: ${found.join(' | ')}`,
    );
  }
  assert.ok(problems(ok, { 'anthropic-version': '2023-06-01' }).some((p) => p.includes('x-api-key')));
  assert.ok(problems(ok, { 'x-api-key': 'k' }).some((p) => p.includes('anthropic-version')));
});

// ------------------------------------------------------------ module surface

test('upstream path, auth headers, errors', () => {
  assert.equal(anthropicFormat.upstreamPath('claude', true), '/v1/messages');
  assert.deepEqual(anthropicFormat.authHeaders('sk-ant-1'), { 'x-api-key': 'sk-ant-1' });

  const rate = anthropicFormat.decodeError(
    429,
    JSON.stringify({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' },
      request_id: 'req_1',
    }),
  );
  assert.deepEqual(rate, {
    status: 429,
    kind: 'rate_limit',
    message: 'Number of request tokens has exceeded your per-minute rate limit',
    providerType: 'rate_limit_error',
  });
  const overloaded = anthropicFormat.decodeError(529, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
  assert.equal(overloaded.kind, 'overloaded');
  const html = anthropicFormat.decodeError(502, '<html><body>Bad Gateway</body></html>');
  assert.equal(html.kind, 'upstream');
  assert.equal(html.message, '<html><body>Bad Gateway</body></html>');
  assert.equal(anthropicFormat.decodeError(500, '').message, 'Anthropic API returned HTTP 500');

  const kinds: [Parameters<typeof anthropicFormat.encodeError>[0], string][] = [
    [{ status: 400, kind: 'invalid_request', message: 'bad' }, 'invalid_request_error'],
    [{ status: 401, kind: 'authentication', message: 'm' }, 'authentication_error'],
    [{ status: 403, kind: 'permission', message: 'm' }, 'permission_error'],
    [{ status: 404, kind: 'not_found', message: 'm' }, 'not_found_error'],
    [{ status: 413, kind: 'request_too_large', message: 'm' }, 'request_too_large'],
    [{ status: 429, kind: 'rate_limit', message: 'm' }, 'rate_limit_error'],
    [{ status: 500, kind: 'server', message: 'm' }, 'api_error'],
    [{ status: 502, kind: 'upstream', message: 'm', providerType: 'authentication_error' }, 'api_error'],
    [{ status: 529, kind: 'overloaded', message: 'm' }, 'overloaded_error'],
    [{ status: 503, kind: 'overloaded', message: 'm' }, 'overloaded_error'],
    [{ status: 504, kind: 'timeout', message: 'm' }, 'timeout_error'],
  ];
  for (const [err, type] of kinds) {
    assert.deepEqual(anthropicFormat.encodeError(err), { type: 'error', error: { type, message: err.message } });
  }
});
