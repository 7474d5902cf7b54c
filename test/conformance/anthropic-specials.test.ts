/**
 * The two things users complain about most when an OpenAI app is served by Anthropic:
 * prompt caching surviving translation, and reasoning continuity across tool calls.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
  },
  { type: 'function', function: { name: 'list_dir', description: 'List a folder', parameters: { type: 'object', properties: { path: { type: 'string' } } } } },
];

function countBreakpoints(body: unknown): number {
  return (JSON.stringify(body).match(/"cache_control"/g) ?? []).length;
}

let mock: MockProvider;
let gw: TestDaemon;
let client: OpenAI;

before(async () => {
  mock = await startMockProvider();
  gw = await startTestDaemon({
    downstreams: [
      { id: 'claude', api_formats: ['anthropic'], base_url: mock.url, api_key: 'sk-ant-test-1234', output_model_ids: ['claude-sonnet-4-20250514'] },
      { id: 'claude-nocache', api_formats: ['anthropic'], base_url: mock.url, api_key: 'sk-ant-test-1234', auto_cache: false, output_model_ids: ['claude-nc'] },
    ],
    aliases: [{ input_model_id: 'gpt-4o', options: [{ id: 'o1', downstream_id: 'claude', output_model_id: 'claude-sonnet-4-20250514' }] }],
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
after(async () => {
  await gw.close();
  await mock.close();
});

describe('prompt caching survives translation', () => {
  const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You are a coding agent. '.repeat(50) },
    { role: 'user', content: 'Look at src/index.ts' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'toolu_01A', type: 'function', function: { name: 'read_file', arguments: '{"path":"src/index.ts"}' } }],
    },
    { role: 'tool', tool_call_id: 'toolu_01A', content: 'export const x = 1;' },
    { role: 'user', content: 'Now explain it' },
  ];

  test('an OpenAI app gets breakpoints on tools, system and the latest user turns, at most 4, deterministically', async () => {
    mock.respond(() => ({ model: 'claude-sonnet-4-20250514', text: 'It exports x.' }));
    const n0 = mock.requests.length;
    await client.chat.completions.create({ model: 'gpt-4o', messages, tools: TOOLS });
    await client.chat.completions.create({ model: 'gpt-4o', messages, tools: TOOLS });
    const [a, b] = mock.requests.slice(n0);
    assert.deepEqual(a.problems, []);
    assert.deepEqual(a.body, b.body, 'the same request yields the same breakpoints');
    const body = a.body as {
      tools: { cache_control?: unknown }[];
      system: { cache_control?: unknown; text: string }[];
      messages: { role: string; content: { cache_control?: unknown }[] }[];
    };
    assert.ok(body.tools.at(-1)!.cache_control, 'end of tools');
    assert.ok(body.system.at(-1)!.cache_control, 'end of system');
    assert.equal(body.system.map((s) => s.text).join(''), 'You are a coding agent. '.repeat(50), 'system content intact and in order');
    const lastUser = body.messages.at(-1)!;
    assert.equal(lastUser.role, 'user');
    assert.ok(lastUser.content.at(-1)!.cache_control, 'latest user turn');
    const n = countBreakpoints(body);
    assert.ok(n >= 3 && n <= 4, `${n} breakpoints`);
  });

  test('auto_cache: false places none', async () => {
    const n0 = mock.requests.length;
    await client.chat.completions.create({ model: 'claude-nc', messages, tools: TOOLS });
    assert.equal(countBreakpoints(mock.requests[n0].body), 0);
  });

  test('cache usage comes back in OpenAI terms', async () => {
    mock.respond(() => ({ model: 'claude-sonnet-4-20250514', text: 'ok', usage: { input: 5000, output: 10, cacheRead: 4000, cacheCreation: 900 } }));
    const r = await client.chat.completions.create({ model: 'gpt-4o', messages });
    assert.equal(r.usage?.prompt_tokens, 5000, 'prompt_tokens includes cached and cache-creation tokens');
    assert.equal(r.usage?.prompt_tokens_details?.cached_tokens, 4000);
  });
});

describe('reasoning continuity across tool calls', () => {
  test('signed thinking blocks are restored when the OpenAI app sends the tool call back', async () => {
    mock.respond((req) => {
      const msgs = (req.body as { messages: unknown[] }).messages;
      if (msgs.length === 1) {
        return {
          model: 'claude-sonnet-4-20250514',
          reasoning: 'I should read the file first.',
          toolCalls: [{ id: 'toolu_01Think', name: 'read_file', arguments: { path: 'a.ts' } }],
          finish: 'tool_calls',
        };
      }
      return { model: 'claude-sonnet-4-20250514', reasoning: 'Now I know.', text: 'The file defines x.' };
    });
    const first = await client.chat.completions.create({
      model: 'gpt-4o',
      reasoning_effort: 'medium',
      tools: TOOLS,
      messages: [{ role: 'user', content: 'What is in a.ts?' }],
    });
    const msg = first.choices[0].message;
    assert.equal(msg.tool_calls?.[0].id, 'toolu_01Think');
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    const n0 = mock.requests.length;
    const second = await client.chat.completions.create({
      model: 'gpt-4o',
      reasoning_effort: 'medium',
      tools: TOOLS,
      messages: [
        { role: 'user', content: 'What is in a.ts?' },
        { role: 'assistant', content: null, tool_calls: msg.tool_calls },
        { role: 'tool', tool_call_id: 'toolu_01Think', content: 'export const x = 1;' },
      ],
    });
    assert.equal(second.choices[0].message.content, 'The file defines x.');
    const sent = mock.requests[n0];
    assert.deepEqual(sent.problems, [], 'the strict mock accepted the follow-up');
    const body = sent.body as { thinking?: { type: string }; messages: { role: string; content: { type: string; signature?: string }[] }[] };
    assert.equal(body.thinking?.type, 'enabled', 'thinking stays on');
    const assistant = body.messages.find((m) => m.role === 'assistant')!;
    assert.equal(assistant.content[0].type, 'thinking', 'the turn begins with its thinking block');
    assert.ok(assistant.content[0].signature, 'with its signature');
  });

  test('when the signed blocks are gone the request still succeeds (documented fallback)', async () => {
    mock.respond(() => ({ model: 'claude-sonnet-4-20250514', text: 'Fine.' }));
    const n0 = mock.requests.length;
    const r = await client.chat.completions.create({
      model: 'gpt-4o',
      reasoning_effort: 'high',
      tools: TOOLS,
      messages: [
        { role: 'user', content: 'What is in b.ts?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'toolu_unknown_to_gateway', type: 'function', function: { name: 'read_file', arguments: '{"path":"b.ts"}' } }],
        },
        { role: 'tool', tool_call_id: 'toolu_unknown_to_gateway', content: 'export const y = 2;' },
      ],
    });
    assert.equal(r.choices[0].message.content, 'Fine.');
    assert.deepEqual(mock.requests[n0].problems, []);
  });
});
