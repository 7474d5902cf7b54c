/**
 * remove_thinking: an app of every format, served by a downstream of every format that
 * returns reasoning, never sees that reasoning (buffered or streamed) and reads zero
 * reasoning tokens; everything else of the answer is kept.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FORMAT_IDS, type FormatId, type Response as IRResponse, type StreamEvent, type Usage } from '../../src/ir/types.js';
import { formatModule } from '../../src/formats/registry.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import { SseReader } from '../../src/util/sse.js';
import { MOCKS } from '../mocks/server.js';
import type { MockReply, RenderedReply } from '../mocks/types.js';
import { fixtureChunks, fixtureText, frameStream, splitResponses } from '../helpers/fixtures.js';
import { CLIENTS } from '../conformance/clients.js';
import { alias, rawCall, reasoningRequest, startRig, type Rig } from './rig.js';

const REASONING = 'Six times seven is forty-two, I am quite sure.';
let rig: Rig;

before(async () => {
  rig = await startRig({
    aliases: FORMAT_IDS.flatMap((f) => [alias(`think-${f}`, f), alias(`nothink-${f}`, f)]),
    rules: [{ id: 'strip', pattern_models: FORMAT_IDS.map((f) => `nothink-${f}`), pipeline_config: [{ plugin_id: 'remove_thinking', config: {} }] }],
  });
  rig.mock.respond((r) => ({
    model: String(r.body.model ?? 'up'),
    reasoning: REASONING,
    text: '42',
    usage: { input: 20, output: 30, reasoning: 24 },
  }));
});
after(() => rig?.close());

for (const client of FORMAT_IDS) {
  for (const ds of FORMAT_IDS) {
    for (const stream of [false, true]) {
      describe(`${client} client ← ${ds} downstream (${stream ? 'stream' : 'non-stream'})`, () => {
        test('the SDK sees the answer and no reasoning, with zero reasoning tokens', async () => {
          const input = { model: `nothink-${ds}`, reasoning: true, turns: [{ role: 'user' as const, text: 'What is 6 times 7?' }] };
          const got = await CLIENTS[client].run(rig.gw.url, 'client-key', input, stream);
          assert.equal(got.text, '42');
          assert.equal(got.reasoning, '');
          assert.equal(got.usage.reasoning, 0, 'reasoning tokens zeroed');
          assert.equal(got.usage.output, 30, 'output tokens still counted');
          assert.equal(got.usage.input, 20);
          assert.equal(got.finish, 'stop');
        });

        test('no byte of the reasoning reaches the client', async () => {
          const { path, body } = reasoningRequest(client, `nothink-${ds}`, stream);
          const before = rig.mock.requests.length;
          const r = await rawCall(rig.gw.url, client, path, body);
          assert.equal(r.status, 200, r.text);
          assert.match(r.text, /42/);
          assert.doesNotMatch(r.text, /forty-two/, 'reasoning text');
          assert.doesNotMatch(r.text, /sig-\d+/, 'reasoning signature');
          assert.doesNotMatch(r.text, /"(thinking|reasoning_content|thought)"\s*:\s*(?!0)/, 'reasoning fields');
          const sent = rig.mock.requests.slice(before).find((x) => x.format === ds);
          assert.ok(sent, 'the downstream was called');
          assert.deepEqual(sent.problems, []);
        });

        test('without the plugin the same request does show reasoning (the check can fail)', async () => {
          const { path, body } = reasoningRequest(client, `think-${ds}`, stream);
          const r = await rawCall(rig.gw.url, client, path, body);
          assert.equal(r.status, 200, r.text);
          assert.match(r.text, /forty-two/);
        });
      });
    }
  }
}

/**
 * Same format: without plugins the provider's bytes pass through untouched; remove_thinking
 * forces them through the hub (decode → drop reasoning → encode). Decoded with the format's
 * own decoder, both answers must say the same thing except for the reasoning. Replies are
 * rendered once, so both requests get the very same bytes: recorded real ones, and a mock
 * answer with reasoning, text, a tool call and cache usage.
 */
interface Summary {
  id: string;
  text: string;
  textItemIds: string[];
  toolCalls: { id?: string; name?: string; args: unknown; itemId?: string; thoughtSignature?: string }[];
  finish: string;
  rawFinish?: string;
  usage: Partial<Usage>;
  extras?: Record<string, unknown>;
}

/** What the answer says, minus reasoning; ids without the chatcmpl- prefix the OpenAI encoder adds. */
function summarizeResponse(r: IRResponse): Summary {
  const calls = r.parts.filter((p) => p.type === 'tool_call');
  const extras = r.extras ? { ...r.extras } : undefined;
  // the Responses encoder stamps completed_at on completed responses that lacked it
  delete extras?.completed_at;
  return {
    id: r.id.replace(/^chatcmpl-/, ''),
    text: r.parts.map((p) => (p.type === 'text' ? p.text : '')).join(''),
    textItemIds: r.parts.flatMap((p) => (p.type === 'text' && p.itemId ? [p.itemId] : [])),
    toolCalls: calls.map((c) => ({ id: c.id, name: c.name, args: JSON.parse(c.arguments), itemId: c.itemId, thoughtSignature: c.thoughtSignature })),
    finish: r.finishReason,
    rawFinish: r.rawFinishReason,
    usage: withoutReasoning(r.usage ?? {}),
    extras: extras && Object.keys(extras).length ? extras : undefined,
  };
}

function summarizeEvents(events: StreamEvent[]): Summary {
  const s: Summary = { id: '', text: '', textItemIds: [], toolCalls: [], finish: 'none', usage: {} };
  const args: string[] = [];
  for (const e of events) {
    if (e.type === 'start') {
      s.id = e.id.replace(/^chatcmpl-/, '');
      s.usage = { ...s.usage, ...e.usage };
    } else if (e.type === 'text') {
      s.text += e.text;
      if (e.itemId && !s.textItemIds.includes(e.itemId)) s.textItemIds.push(e.itemId);
    } else if (e.type === 'tool_call') {
      const c = (s.toolCalls[e.index] ??= { args: {} });
      if (e.id) c.id = e.id;
      if (e.name) c.name = e.name;
      if (e.itemId) c.itemId = e.itemId;
      if (e.thoughtSignature) c.thoughtSignature = e.thoughtSignature;
      args[e.index] = (args[e.index] ?? '') + (e.argumentsDelta ?? '');
    } else if (e.type === 'usage') s.usage = { ...s.usage, ...e.usage };
    else if (e.type === 'finish') {
      s.finish = e.finishReason;
      s.rawFinish = e.rawFinishReason;
      s.usage = { ...s.usage, ...e.usage };
    } else if (e.type === 'error') s.finish = `error: ${e.error.message}`;
  }
  s.toolCalls.forEach((c, i) => (c.args = JSON.parse(args[i] || '{}')));
  s.usage = withoutReasoning(s.usage);
  return s;
}

function withoutReasoning(u: Partial<Usage>): Partial<Usage> {
  const { reasoningTokens: _dropped, ...rest } = u;
  return rest;
}

function decodeStream(format: FormatId, text: string): StreamEvent[] {
  const dec = formatModule(format).createStreamDecoder({ reasoningStore: new ReasoningStore() });
  const reader = new SseReader();
  const out: StreamEvent[] = [];
  // Gemini without alt=sse is not in play here: every stream below is SSE
  for (const sse of [...reader.push(text), ...reader.end()]) out.push(...dec.push(sse));
  out.push(...dec.end());
  return out;
}

/** The reasoning an answer carries (text, signatures, encrypted content) and its reasoning-token count. */
function reasoningOf(format: FormatId, text: string, stream: boolean): { content: string; tokens: number } {
  if (stream) {
    const events = decodeStream(format, text);
    let tokens = 0;
    for (const e of events) if ((e.type === 'usage' || e.type === 'finish' || e.type === 'start') && e.usage?.reasoningTokens) tokens = e.usage.reasoningTokens;
    return { content: events.map((e) => (e.type === 'reasoning' ? (e.text ?? '') + (e.signature ?? '') + (e.encrypted ?? '') : '')).join(''), tokens };
  }
  const r = formatModule(format).decodeResponse(JSON.parse(text), { reasoningStore: new ReasoningStore() });
  return {
    content: r.parts.map((p) => (p.type === 'reasoning' ? p.text + (p.signature ?? '') + (p.encrypted ?? '') : '')).join(''),
    tokens: r.usage?.reasoningTokens ?? 0,
  };
}

const MOCK_ANSWER: MockReply = {
  model: 'up-model',
  reasoning: 'The user wants the weather; I should call the tool for Paris.',
  text: 'Let me check the weather.',
  toolCalls: [{ id: 'call_keep_me_1', name: 'get_weather', arguments: { city: 'Paris' } }],
  finish: 'tool_calls',
  usage: { input: 1200, output: 40, cacheRead: 1000, reasoning: 18 },
};

const SAME_FORMAT_CASES: { format: FormatId; label: string; stream: boolean; reply: () => RenderedReply }[] = [
  ...FORMAT_IDS.flatMap((format) =>
    [false, true].map((stream) => ({
      format,
      label: 'mock answer with reasoning, text, tool call, cache',
      stream,
      reply: () => MOCKS[format].renderReply(MOCK_ANSWER, stream),
    })),
  ),
  ...(
    [
      ['anthropic', 'anthropic/anthropic-claude-opus-5-reasoning-high.1.json'],
      ['anthropic', 'anthropic/anthropic-clear-thinking.1.chunks.txt'],
      ['openai', 'openai/deepseek-reasoning.chunks.txt'],
      ['openai_responses', 'openai_responses/openai-reasoning-encrypted-content.1.json'],
      ['openai_responses', 'openai_responses/openai-reasoning-encrypted-content.1.chunks.txt'],
      ['gemini', 'gemini/google-reasoning-gemini3.json'],
      ['gemini', 'gemini/google-reasoning.chunks.txt'],
    ] as [FormatId, string][]
  ).map(([format, file]) => {
    const stream = file.endsWith('.chunks.txt');
    return {
      format,
      label: `recorded ${file}`,
      stream,
      reply: (): RenderedReply => {
        const body = stream ? frameStream(format, splitResponses(format, fixtureChunks(file))[0]) : fixtureText(file);
        return { status: 200, headers: { 'content-type': stream ? 'text/event-stream' : 'application/json' }, body: stream ? body.split(/(?<=\n\n)/) : body };
      },
    };
  }),
];

describe('same format: remove_thinking goes through the hub and keeps everything but the reasoning', () => {
  for (const c of SAME_FORMAT_CASES) {
    test(`${c.format} ${c.stream ? 'stream' : 'non-stream'}: ${c.label}`, async () => {
      const rendered = c.reply();
      rig.mock.respond(() => ({ raw: rendered }));
      const plain = reasoningRequest(c.format, `think-${c.format}`, c.stream);
      const stripped = reasoningRequest(c.format, `nothink-${c.format}`, c.stream);
      const a = await rawCall(rig.gw.url, c.format, plain.path, plain.body);
      const b = await rawCall(rig.gw.url, c.format, stripped.path, stripped.body);
      assert.equal(a.status, 200, a.text);
      assert.equal(b.status, 200, b.text);
      const original = Array.isArray(rendered.body) ? rendered.body.join('') : rendered.body;
      assert.equal(a.text, original, 'without plugins the bytes pass through untouched');
      const before = reasoningOf(c.format, a.text, c.stream);
      // (the Gemini 3 recordings show reasoning only as thoughtsTokenCount and a text-part signature)
      assert.ok(before.content !== '' || before.tokens > 0, 'the downstream did return reasoning');
      assert.deepEqual(reasoningOf(c.format, b.text, c.stream), { content: '', tokens: 0 }, 'no reasoning after remove_thinking');
      const sa = c.stream
        ? summarizeEvents(decodeStream(c.format, a.text))
        : summarizeResponse(formatModule(c.format).decodeResponse(JSON.parse(a.text), { reasoningStore: new ReasoningStore() }));
      const sb = c.stream
        ? summarizeEvents(decodeStream(c.format, b.text))
        : summarizeResponse(formatModule(c.format).decodeResponse(JSON.parse(b.text), { reasoningStore: new ReasoningStore() }));
      assert.ok(sa.text || sa.toolCalls.length, 'the answer has content to compare');
      if (c.format === 'gemini') {
        // Gemini's wire has no call ids: decoding here synthesizes fresh ones on each side
        for (const call of [...sa.toolCalls, ...sb.toolCalls]) delete call.id;
      }
      assert.deepEqual(sb, sa);
    });
  }
});

test('anthropic app, anthropic downstream: the tool-use follow-up still carries the signed thinking the app never saw', async () => {
  rig.mock.respond((r) => ({
    model: String(r.body.model),
    reasoning: 'I should look the weather up.',
    toolCalls: [{ id: 'toolu_rt_follow_1', name: 'get_weather', arguments: { city: 'Oslo' } }],
    finish: 'tool_calls',
  }));
  const tools = [{ name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
  const first = await CLIENTS.anthropic.run(
    rig.gw.url,
    'k',
    { model: 'nothink-anthropic', reasoning: true, tools, turns: [{ role: 'user', text: 'Weather in Oslo?' }] },
    false,
  );
  assert.equal(first.reasoning, '');
  assert.equal(first.toolCalls[0].id, 'toolu_rt_follow_1');
  rig.mock.respond((r) => ({ model: String(r.body.model), text: 'It is cold in Oslo.' }));
  const before = rig.mock.requests.length;
  const second = await CLIENTS.anthropic.run(
    rig.gw.url,
    'k',
    {
      model: 'nothink-anthropic',
      reasoning: true,
      tools,
      turns: [
        { role: 'user', text: 'Weather in Oslo?' },
        { role: 'tool_call', id: 'toolu_rt_follow_1', name: 'get_weather', args: { city: 'Oslo' } },
        { role: 'tool_result', id: 'toolu_rt_follow_1', name: 'get_weather', result: '-5C' },
      ],
    },
    false,
  );
  assert.equal(second.text, 'It is cold in Oslo.');
  const sent = rig.mock.requests[before];
  assert.deepEqual(sent.problems, [], 'the strict mock accepted the follow-up');
  const assistant = (sent.body.messages as { role: string; content: { type: string; signature?: string }[] }[]).find((m) => m.role === 'assistant');
  assert.equal(assistant?.content[0].type, 'thinking');
  assert.equal(assistant?.content[0].signature, 'sig-29', 'the signature the provider gave');
});

test('openai same format: reasoning in fields the hub does not model (reasoning_details, other choices) is dropped too', async () => {
  const body = {
    id: 'chatcmpl-side-door',
    object: 'chat.completion',
    created: 1760000000,
    model: 'up-openai',
    system_fingerprint: 'fp_keep_me',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Answer one.',
          reasoning_content: 'secret chain of thought one',
          reasoning_details: [{ type: 'reasoning.text', text: 'secret chain of thought one' }],
          annotations: [],
        },
        finish_reason: 'stop',
      },
      { index: 1, message: { role: 'assistant', content: 'Answer two.', reasoning: 'secret chain of thought two' }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 30, total_tokens: 40, completion_tokens_details: { reasoning_tokens: 20 } },
  };
  rig.mock.respond(() => ({ raw: { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } }));
  const { path, body: req } = reasoningRequest('openai', 'nothink-openai', false);
  const r = await rawCall(rig.gw.url, 'openai', path, { ...req, n: 2 });
  assert.equal(r.status, 200, r.text);
  assert.doesNotMatch(r.text, /secret chain of thought/);
  const got = JSON.parse(r.text) as {
    system_fingerprint: string;
    choices: { message: { content: string; annotations?: unknown } }[];
    usage: { completion_tokens_details: { reasoning_tokens: number } };
  };
  assert.deepEqual(
    got.choices.map((c) => c.message.content),
    ['Answer one.', 'Answer two.'],
  );
  assert.deepEqual(got.choices[0].message.annotations, [], 'other provider fields are kept');
  assert.equal(got.system_fingerprint, 'fp_keep_me');
  assert.equal(got.usage.completion_tokens_details.reasoning_tokens, 0);
});
