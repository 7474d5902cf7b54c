/**
 * Every recorded real provider response and stream (test/fixtures/recorded) replayed by a
 * mock provider, through the gateway, to an app of every client format using its official
 * SDK: the app must see the same text, tool calls, reasoning, finish reason and usage.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FORMAT_IDS, type Response as IRResponse, type StreamEvent, type Usage } from '../../src/ir/types.js';
import { formatModule } from '../../src/formats/registry.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import { SseReader } from '../../src/util/sse.js';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { fixtureChunks, fixtureManifest, fixtureText, frameStream, splitResponses } from '../helpers/fixtures.js';
import { CLIENTS, type ChatResult } from './clients.js';

interface Expected {
  text: string;
  reasoning: string;
  toolCalls: { id: string; name: string; args: unknown }[];
  finish: string;
  usage?: Partial<Usage>;
}

function fromResponse(r: IRResponse): Expected {
  return {
    text: r.parts.map((p) => (p.type === 'text' ? p.text : '')).join(''),
    reasoning: r.parts.map((p) => (p.type === 'reasoning' ? p.text : '')).join(''),
    toolCalls: r.parts.flatMap((p) => (p.type === 'tool_call' ? [{ id: p.id, name: p.name, args: JSON.parse(p.arguments || '{}') }] : [])),
    finish: r.finishReason,
    usage: r.usage,
  };
}

function fromEvents(events: StreamEvent[]): Expected {
  const e: Expected = { text: '', reasoning: '', toolCalls: [], finish: 'none' };
  const args: string[] = [];
  let usage: Partial<Usage> = {};
  for (const ev of events) {
    if (ev.type === 'text') e.text += ev.text;
    else if (ev.type === 'reasoning') e.reasoning += ev.text ?? '';
    else if (ev.type === 'tool_call') {
      if (ev.id !== undefined || ev.name !== undefined) e.toolCalls[ev.index] = { id: ev.id ?? '', name: ev.name ?? '', args: {} };
      args[ev.index] = (args[ev.index] ?? '') + (ev.argumentsDelta ?? '');
    } else if (ev.type === 'start' && ev.usage) usage = { ...usage, ...ev.usage };
    else if (ev.type === 'usage') usage = { ...usage, ...ev.usage };
    else if (ev.type === 'finish') {
      e.finish = ev.finishReason;
      if (ev.usage) usage = { ...usage, ...ev.usage };
    } else if (ev.type === 'error') e.finish = 'error';
  }
  e.toolCalls = e.toolCalls.map((c, i) => ({ ...c, args: JSON.parse(args[i] || '{}') }));
  e.usage = usage;
  return e;
}

const FINISH: Record<string, ChatResult['finish']> = { stop: 'stop', length: 'length', tool_calls: 'tool_calls', content_filter: 'content_filter' };

let mock: MockProvider;
let gw: TestDaemon;

before(async () => {
  mock = await startMockProvider();
  gw = await startTestDaemon({
    downstreams: FORMAT_IDS.map((f) => ({ id: `ds-${f}`, api_formats: [f], base_url: mock.url, api_key: `key-${f}-0000`, output_model_ids: [`rec-${f}`] })),
  });
});
after(async () => {
  await gw?.close();
  await mock?.close();
});

for (const entry of fixtureManifest()) {
  const ds = entry.format;
  const isError = entry.shows.includes('error');
  describe(`replay ${entry.file}`, () => {
    let body: string;
    let expected: Expected | undefined;
    let status = 200;
    let errorMessage = '';
    before(() => {
      if (entry.streaming) {
        const first = splitResponses(ds, fixtureChunks(entry.file))[0];
        body = frameStream(ds, first);
        if (!isError) {
          const dec = formatModule(ds).createStreamDecoder({ reasoningStore: new ReasoningStore() });
          const r = new SseReader();
          const evs: StreamEvent[] = [];
          for (const sse of [...r.push(body), ...r.end()]) evs.push(...dec.push(sse));
          evs.push(...dec.end());
          expected = fromEvents(evs);
        }
      } else {
        body = fixtureText(entry.file);
        if (isError) {
          const j = JSON.parse(body) as { error?: { message?: string; code?: string } };
          status = j.error?.code === 'insufficient_quota' ? 429 : 400;
          errorMessage = j.error?.message ?? '';
        } else expected = fromResponse(formatModule(ds).decodeResponse(JSON.parse(body), { reasoningStore: new ReasoningStore() }));
      }
    });

    for (const client of FORMAT_IDS) {
      test(`→ ${client} client`, async () => {
        mock.respond(() => ({
          raw: {
            status,
            headers: { 'content-type': entry.streaming ? 'text/event-stream; charset=utf-8' : 'application/json' },
            body: entry.streaming ? body.split(/(?<=\n\n)/) : body,
          },
        }));
        const tools = expected?.toolCalls.length
          ? [...new Set(expected.toolCalls.map((c) => c.name))].map((name) => ({
              name,
              description: 'recorded tool',
              parameters: { type: 'object', properties: {} },
            }))
          : undefined;
        const run = () => CLIENTS[client].run(gw.url, 'unused', { model: `rec-${ds}`, tools, turns: [{ role: 'user', text: 'replay' }] }, entry.streaming);
        if (isError) {
          await assert.rejects(run, (e: Error) => {
            if (!entry.streaming) assert.match(e.message, new RegExp(errorMessage.slice(0, 30).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
            return true;
          });
          return;
        }
        const got = await run();
        const exp = expected!;
        // (a pass-through replay shows the recording as it is; some were cut down by their recorder)
        if (got.streamedText !== undefined && client !== ds) assert.equal(got.streamedText, got.text, 'streamed deltas add up to the final text');
        assert.notEqual(exp.finish, 'error', 'the recording itself decodes cleanly');
        assert.equal(got.text, exp.text, 'text');
        // Vertex's streamed partialArgs pass through untouched to a Gemini app, as Vertex sent them
        const rawVertex = client === ds && entry.shows.includes('vertex_partial_args');
        if (!rawVertex)
          assert.deepEqual(
            got.toolCalls.map((c) => [c.name, c.args]),
            exp.toolCalls.map((c) => [c.name, c.args]),
            'tool calls',
          );
        if (client !== 'gemini' && ds !== 'gemini')
          assert.deepEqual(
            got.toolCalls.map((c) => c.id),
            exp.toolCalls.map((c) => c.id),
            'tool-call ids kept',
          );
        if (exp.reasoning) assert.ok(got.reasoning.includes(exp.reasoning.slice(0, 200)), 'reasoning arrives as native reasoning');
        assert.ok(
          !exp.reasoning || !got.text.includes(exp.reasoning.slice(0, 40)) || exp.text.includes(exp.reasoning.slice(0, 40)),
          'reasoning not shown as text',
        );
        const wantFinish = FINISH[exp.finish] ?? 'other';
        if (!(client === 'openai_responses' && wantFinish === 'tool_calls' && got.finish === 'tool_calls'))
          assert.equal(got.finish, wantFinish, 'finish reason');
        // same format: the provider's bytes pass through untouched, quirks included
        if (client === ds) return;
        if (exp.usage?.inputTokens !== undefined) assert.equal(got.usage.input, exp.usage.inputTokens, 'input tokens');
        if (exp.usage?.outputTokens !== undefined) assert.equal(got.usage.output, exp.usage.outputTokens, 'output tokens');
        if (exp.usage?.cacheReadTokens) assert.equal(got.usage.cacheRead, exp.usage.cacheReadTokens, 'cache-read tokens');
      });
    }
  });
}
