import { test } from 'node:test';
import assert from 'node:assert/strict';
import { geminiFormat } from '../../src/formats/gemini/index.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import { SseReader } from '../../src/util/sse.js';
import type { StreamEvent, Usage } from '../../src/ir/types.js';
import { fixtureChunks, fixtureJson, fixtureManifest, frameStream, splitResponses } from '../helpers/fixtures.js';

/** Deterministic PRNG (mulberry32) so random splits are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Summary {
  events: StreamEvent[];
  text: string;
  reasoning: string;
  reasoningSignatures: string[];
  calls: { id: string; name: string; args: unknown; thoughtSignature?: string }[];
  finish?: Extract<StreamEvent, { type: 'finish' }>;
  usage?: Partial<Usage>;
  errors: StreamEvent[];
}

/** Feed SSE text through SseReader in random byte-sized pieces and the Gemini decoder. */
function decodeStream(sse: string, seed: number, store: ReasoningStore): Summary {
  const bytes = new TextEncoder().encode(sse);
  const next = rng(seed);
  const reader = new SseReader();
  const decoder = geminiFormat.createStreamDecoder({ reasoningStore: store });
  const events: StreamEvent[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const len = 1 + Math.floor(next() * 200);
    for (const ev of reader.pushBytes(bytes.subarray(pos, pos + len))) events.push(...decoder.push(ev));
    pos += len;
  }
  for (const ev of reader.end()) events.push(...decoder.push(ev));
  events.push(...decoder.end());
  return summarize(events);
}

function summarize(events: StreamEvent[]): Summary {
  const s: Summary = { events, text: '', reasoning: '', reasoningSignatures: [], calls: [], errors: [] };
  const args: string[] = [];
  for (const ev of events) {
    if (ev.type === 'text') s.text += ev.text;
    else if (ev.type === 'reasoning') {
      if (ev.text) s.reasoning += ev.text;
      if (ev.signature) s.reasoningSignatures.push(ev.signature);
      assert.equal(ev.family, 'gemini');
    } else if (ev.type === 'tool_call') {
      if (ev.id !== undefined) {
        assert.equal(ev.index, s.calls.length, 'tool call indexes are dense and ordered');
        assert.ok(ev.name);
        s.calls.push({ id: ev.id, name: ev.name ?? '', args: undefined, ...(ev.thoughtSignature ? { thoughtSignature: ev.thoughtSignature } : {}) });
        args.push('');
      }
      args[ev.index] += ev.argumentsDelta ?? '';
    } else if (ev.type === 'usage') s.usage = { ...s.usage, ...ev.usage };
    else if (ev.type === 'finish') {
      s.finish = ev;
      if (ev.usage) s.usage = { ...s.usage, ...ev.usage };
    } else if (ev.type === 'error') s.errors.push(ev);
  }
  s.calls.forEach((c, i) => (c.args = args[i] ? JSON.parse(args[i]) : undefined));
  // Sequence rules: start first, exactly one terminal event, last.
  assert.equal(events[0]?.type, 'start');
  const terminals = events.filter((e) => e.type === 'finish' || e.type === 'error');
  assert.equal(terminals.length, 1);
  assert.equal(events[events.length - 1], terminals[0]);
  return s;
}

function streamOf(file: string): string {
  return frameStream('gemini', fixtureChunks(file));
}

test('every gemini fixture in the manifest is covered here', () => {
  const files = fixtureManifest()
    .filter((e) => e.format === 'gemini')
    .map((e) => e.file)
    .sort();
  assert.deepEqual(files, [
    'gemini/google-reasoning-gemini3.json',
    'gemini/google-reasoning.chunks.txt',
    'gemini/google-stream-no-args-tool-call.chunks.txt',
    'gemini/google-text.chunks.txt',
    'gemini/google-text.json',
    'gemini/google-tool-call-gemini3.chunks.txt',
    'gemini/google-tool-call.json',
    'gemini/google-vertex-stream-tool-call-arguments-nested.1.chunks.txt',
  ]);
  for (const f of files.filter((f) => f.endsWith('.chunks.txt'))) {
    assert.equal(splitResponses('gemini', fixtureChunks(f)).length, 1, `${f} holds one HTTP response`);
  }
});

// ---------------------------------------------------------------- JSON bodies

test('google-text.json: text, STOP, usage with thoughts', () => {
  const res = geminiFormat.decodeResponse(fixtureJson('gemini/google-text.json'), { reasoningStore: new ReasoningStore() });
  assert.equal(res.id, 'Un6LacrVMcjUxs0PmJfWoQc');
  assert.equal(res.model, 'gemini-3-pro-preview');
  assert.deepEqual(res.parts, [{ type: 'text', text: "There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y." }]);
  assert.equal(res.finishReason, 'stop');
  assert.equal(res.rawFinishReason, 'STOP');
  assert.deepEqual(res.usage, { inputTokens: 9, outputTokens: 28 + 244, reasoningTokens: 244 });
});

test('google-reasoning-gemini3.json: thinking model answer', () => {
  const res = geminiFormat.decodeResponse(fixtureJson('gemini/google-reasoning-gemini3.json'), { reasoningStore: new ReasoningStore() });
  assert.equal(res.id, 'DniLab2dFPeSxN8PpqXY4Ag');
  assert.deepEqual(res.parts, [{ type: 'text', text: 'There are **3** "r"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.' }]);
  assert.equal(res.finishReason, 'stop');
  assert.deepEqual(res.usage, { inputTokens: 9, outputTokens: 29 + 258, reasoningTokens: 258 });
});

test('google-tool-call.json: function call with signature, stored for continuity', () => {
  const store = new ReasoningStore();
  const res = geminiFormat.decodeResponse(fixtureJson('gemini/google-tool-call.json'), { reasoningStore: store });
  assert.equal(res.parts.length, 1);
  const call = res.parts[0];
  assert.ok(call.type === 'tool_call');
  assert.equal(call.name, 'weather');
  assert.deepEqual(JSON.parse(call.arguments), { location: 'San Francisco' });
  assert.ok(call.thoughtSignature?.startsWith('EskgCsYgAb4+9vtF7/499YQS2bjZs3xcQI+iAl+ILn29nK1j0Kg6su7QsUUUk3nrAAfnS2w5WiVvlcCqu9fAebJ2cvfaEyBahEt5'));
  assert.equal(store.get(call.id, 'gemini')?.thoughtSignature, call.thoughtSignature);
  assert.equal(res.finishReason, 'tool_calls');
  assert.equal(res.rawFinishReason, 'STOP');
  assert.deepEqual(res.usage, { inputTokens: 29, outputTokens: 15 + 893, reasoningTokens: 893 });
  assert.deepEqual(res.extras, { candidate: { finishMessage: 'Model generated function call(s).' } });
});

// ---------------------------------------------------------------- streams (random byte splits)

for (const seed of [1, 2, 3]) {
  test(`google-text.chunks.txt (seed ${seed}): text deltas, finish, usage`, () => {
    const s = decodeStream(streamOf('gemini/google-text.chunks.txt'), seed, new ReasoningStore());
    assert.equal(s.text, 'There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y');
    assert.deepEqual(s.events[0], { type: 'start', id: 'bH6LaZW8Fp_3nsEPqtaSwQ4', model: 'gemini-3-pro-preview' });
    assert.equal(s.calls.length, 0);
    assert.equal(s.finish?.finishReason, 'stop');
    assert.equal(s.finish?.rawFinishReason, 'STOP');
    assert.deepEqual(s.usage, { inputTokens: 9, outputTokens: 23 + 185, reasoningTokens: 185 });
    assert.equal(s.events.filter((e) => e.type === 'text').length, 2, 'one text event per chunk, as they arrive');
  });

  test(`google-reasoning.chunks.txt (seed ${seed}): thinking model stream`, () => {
    const s = decodeStream(streamOf('gemini/google-reasoning.chunks.txt'), seed, new ReasoningStore());
    assert.equal(s.text, 'There are **3** "r"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.');
    assert.equal(s.reasoning, '');
    assert.equal(s.finish?.finishReason, 'stop');
    assert.deepEqual(s.usage, { inputTokens: 9, outputTokens: 29 + 256, reasoningTokens: 256 });
  });

  test(`google-tool-call-gemini3.chunks.txt (seed ${seed}): whole functionCall with its full signature`, () => {
    const store = new ReasoningStore();
    const s = decodeStream(streamOf('gemini/google-tool-call-gemini3.chunks.txt'), seed, store);
    assert.equal(s.calls.length, 1);
    const [call] = s.calls;
    assert.equal(call.name, 'weather');
    assert.deepEqual(call.args, { location: 'San Francisco' });
    assert.match(call.id, /^call_/);
    assert.ok(call.thoughtSignature?.startsWith('EpEgCo4gAb4+9vvWwdN+NkNiCCwrqvFI8uf9IiD2A47Bm4Sga0kUTm4e'));
    // The whole signature, byte for byte, as the raw chunk holds it (it must go back to Google unchanged).
    const raw = fixtureChunks('gemini/google-tool-call-gemini3.chunks.txt')[0] as { candidates: { content: { parts: { thoughtSignature: string }[] } }[] };
    assert.equal(call.thoughtSignature, raw.candidates[0].content.parts[0].thoughtSignature);
    assert.equal(call.thoughtSignature?.length, 5488);
    assert.equal(store.get(call.id, 'gemini')?.thoughtSignature, call.thoughtSignature);
    assert.equal(s.finish?.finishReason, 'tool_calls');
    assert.equal(s.finish?.rawFinishReason, 'STOP');
    assert.deepEqual(s.usage, { inputTokens: 29, outputTokens: 15 + 804, reasoningTokens: 804 });
  });

  test(`google-stream-no-args-tool-call.chunks.txt (seed ${seed}): thought summary, no-args call, parallel partialArgs calls`, () => {
    const store = new ReasoningStore();
    const s = decodeStream(streamOf('gemini/google-stream-no-args-tool-call.chunks.txt'), seed, store);
    assert.ok(s.reasoning.startsWith("**Processing User Requests**\n\nI've started by understanding the user's instructions."));
    assert.ok(s.reasoning.endsWith('then proceeding with "B" and "C" in parallel as instructed.\n\n\n'));
    assert.equal(s.text, '');
    assert.deepEqual(
      s.calls.map((c) => [c.name, c.args]),
      [
        ['read_theme', {}],
        ['read_screen', { id: 'A' }],
        ['read_screen', { id: 'B' }],
        ['read_screen', { id: 'C' }],
      ],
    );
    assert.equal(new Set(s.calls.map((c) => c.id)).size, 4, 'each call has its own id');
    assert.ok(s.calls[0].thoughtSignature?.startsWith('AY89a18a8/Loc2wl5oft+F3qHoU4VPX0L9ljRtKxfjhEuimSIqhzYEJAGT5Sgd8'));
    assert.equal(s.calls[1].thoughtSignature, undefined);
    const stored = store.get(s.calls[0].id, 'gemini');
    assert.equal(stored?.thoughtSignature, s.calls[0].thoughtSignature);
    assert.equal(stored?.parts[0].text, s.reasoning);
    assert.equal(s.finish?.finishReason, 'tool_calls');
    assert.deepEqual(s.usage, { inputTokens: 249, outputTokens: 58 + 183, reasoningTokens: 183 });
    // Vertex chunks before the last carry only trafficType: no usage events before finish.
    assert.equal(s.events.filter((e) => e.type === 'usage').length, 0);
    // The opening of a streamed call is passed on at once, before its arguments are complete.
    const open = s.events.findIndex((e) => e.type === 'tool_call' && e.index === 1 && e.id !== undefined);
    const afterOpen = s.events[open + 1];
    assert.equal(afterOpen.type === 'tool_call' && afterOpen.argumentsDelta, '{"id":"A"}');
  });

  test(`google-vertex-stream-tool-call-arguments-nested.1.chunks.txt (seed ${seed}): nested args from 64 partialArgs chunks`, () => {
    const s = decodeStream(streamOf('gemini/google-vertex-stream-tool-call-arguments-nested.1.chunks.txt'), seed, new ReasoningStore());
    assert.equal(s.calls.length, 1);
    const [call] = s.calls;
    assert.equal(call.name, 'cookRecipe');
    assert.ok(call.thoughtSignature?.startsWith('CmIBjz1rX0OQAtrZnJaEf6TJDpx1JAJjzEFcwemmrHxHlN4pz'));
    const recipe = (call.args as { recipe: { name: string; ingredients: { name: string; amount: string }[]; steps: string[] } }).recipe;
    assert.equal(recipe.name, 'Lasagna');
    assert.equal(recipe.ingredients.length, 10);
    assert.deepEqual(recipe.ingredients[0], { amount: '16 oz', name: 'Lasagna noodles' });
    assert.deepEqual(recipe.ingredients[9], { amount: '1/2 tsp', name: 'Pepper' });
    assert.equal(recipe.steps.length, 10);
    assert.equal(recipe.steps[0], 'Preheat oven to 375°F (190°C).');
    assert.equal(recipe.steps[1], 'Cook lasagna noodles according to package directions, drain and set aside.');
    assert.equal(recipe.steps[4], 'In a 9x13 baking dish, spread a thin layer of meat sauce.');
    assert.equal(recipe.steps[9], 'Let stand for 15 minutes before serving.');
    assert.equal(s.finish?.finishReason, 'tool_calls');
    assert.deepEqual(s.usage, { inputTokens: 31, outputTokens: 684 + 1026, reasoningTokens: 1026 });
  });
}

test('a fixture stream cut short ends with an upstream error, never a silent finish', () => {
  const chunks = fixtureChunks('gemini/google-vertex-stream-tool-call-arguments-nested.1.chunks.txt');
  const s = decodeStream(frameStream('gemini', chunks.slice(0, 30)), 9, new ReasoningStore());
  assert.equal(s.finish, undefined);
  assert.equal(s.errors.length, 1);
  const err = s.errors[0];
  assert.ok(err.type === 'error');
  assert.equal(err.error.status, 502);
  assert.equal(err.error.kind, 'upstream');
  assert.match(err.error.message, /ended/);
});
