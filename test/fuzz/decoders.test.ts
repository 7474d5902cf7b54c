/**
 * Every format's decoders and encoders, fed arbitrary and malformed JSON, never throw anything
 * but a GatewayError (the gateway's error boundary turns those into the client's error shape;
 * anything else would be a 500 or a broken stream). Inputs: arbitrary JSON, valid requests /
 * responses / streams (generated and recorded from real providers) with a few nodes mutated,
 * and SSE event sequences with events mutated, dropped, duplicated or invented.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FORMAT_IDS, type FormatId, type Request, type StreamEvent } from '../../src/ir/types.js';
import { formatModule } from '../../src/formats/registry.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import { responseToEvents } from '../../src/ir/events.js';
import { GatewayError } from '../../src/util/errors.js';
import { SseReader, type SseEvent } from '../../src/util/sse.js';
import { GATEWAY_ANTHROPIC_VERSION } from '../../src/gateway/exchange.js';
import { MOCKS } from '../mocks/server.js';
import type { MockReply } from '../mocks/types.js';
import { fixtureChunks, fixtureManifest, fixtureText, frameStream, splitResponses } from '../helpers/fixtures.js';
import { renderRequest, scriptArb } from './requests.js';
import { applyMutation, hostileValue, mutated } from './mutate.js';

const RUNS = Number(process.env.TRESOR_FUZZ_RUNS ?? 200);

/** Run `f`; a GatewayError is an accepted outcome (undefined), anything else fails the property. */
function guarded<T>(what: string, f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof GatewayError) return undefined;
    const err = e as Error;
    throw new Error(`${what} threw ${err?.name ?? typeof e}: ${err?.message ?? String(e)}\n${err?.stack?.split('\n').slice(1, 4).join('\n') ?? ''}`);
  }
}

const store = new ReasoningStore();

/** A decoded client request per format, for the response encoders' context. */
const SAMPLE_REQUEST: Record<FormatId, Request> = Object.fromEntries(
  FORMAT_IDS.map((f) => {
    const body = renderRequest(f, { tools: [], turns: [{ role: 'user', text: 'hi' }], stream: false }, 'm');
    return [f, formatModule(f).decodeRequest(body, { pathModel: 'm', pathStream: false })];
  }),
) as Record<FormatId, Request>;

const mockReply: fc.Arbitrary<MockReply> = fc.record(
  {
    model: fc.constantFrom('m', 'gpt-4o', 'claude-x', 'gemini-y'),
    text: fc.string({ maxLength: 40 }),
    reasoning: fc.string({ minLength: 1, maxLength: 30 }),
    toolCalls: fc.array(
      fc.record({
        id: fc.stringMatching(/^call_[a-zA-Z0-9]{4,10}$/),
        name: fc.stringMatching(/^[a-z_]{1,12}$/),
        arguments: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      }),
      { maxLength: 2 },
    ),
    finish: fc.constantFrom('stop' as const, 'length' as const, 'tool_calls' as const, 'content_filter' as const),
    usage: fc.record(
      { input: fc.nat(5000), output: fc.nat(5000), cacheRead: fc.nat(100), cacheCreation: fc.nat(100), reasoning: fc.nat(100) },
      { requiredKeys: ['input', 'output'] },
    ),
  },
  { requiredKeys: ['model'] },
);

/** Recorded non-streaming bodies and streams of real providers, per format. */
const manifest = fixtureManifest();
function recordedBodies(f: FormatId): unknown[] {
  return manifest.filter((e) => e.format === f && !e.streaming).map((e) => JSON.parse(fixtureText(e.file)));
}
function recordedStreams(f: FormatId): SseEvent[][] {
  return manifest
    .filter((e) => e.format === f && e.streaming)
    .flatMap((e) => splitResponses(f, fixtureChunks(e.file)))
    .map((chunks) => {
      const r = new SseReader();
      return [...r.push(frameStream(f, chunks)), ...r.end()];
    });
}

function validResponseArb(f: FormatId): fc.Arbitrary<unknown> {
  const generated = mockReply.map((r) => JSON.parse(MOCKS[f].renderReply(r, false).body as string) as unknown);
  const recorded = recordedBodies(f);
  return recorded.length ? fc.oneof(generated, fc.constantFrom(...recorded)) : generated;
}

function validStreamArb(f: FormatId): fc.Arbitrary<SseEvent[]> {
  const generated = mockReply.map((r) => {
    const reader = new SseReader();
    return [...reader.push((MOCKS[f].renderReply(r, true).body as string[]).join('')), ...reader.end()];
  });
  const recorded = recordedStreams(f);
  return recorded.length ? fc.oneof(generated, fc.constantFrom(...recorded)) : generated;
}

/** A stream with events mutated (inside their JSON), dropped, duplicated, or invented. */
function hostileStreamArb(f: FormatId): fc.Arbitrary<SseEvent[]> {
  const eventName = fc.option(
    fc.constantFrom(
      'message_start',
      'content_block_delta',
      'content_block_start',
      'message_delta',
      'error',
      'ping',
      'response.created',
      'response.output_text.delta',
      'response.completed',
      'response.failed',
      'x',
    ),
    { nil: undefined },
  );
  const invented: fc.Arbitrary<SseEvent> = fc
    .record({
      event: eventName,
      data: fc.oneof(
        hostileValue.map((v) => JSON.stringify(v) ?? 'null'),
        fc.string({ maxLength: 30 }),
      ),
    })
    .map((e) => (e.event === undefined ? { data: e.data } : { event: e.event, data: e.data }));
  return fc
    .tuple(
      validStreamArb(f),
      fc.array(
        fc.record({
          at: fc.nat(),
          op: fc.constantFrom('mutate', 'mutate', 'drop', 'dup', 'insert', 'truncate'),
          ev: invented,
          m: fc.array(
            fc.record({
              pick: fc.nat(),
              op: fc.constantFrom('replace' as const, 'delete' as const, 'wrap' as const, 'duplicate' as const),
              value: hostileValue,
            }),
            { minLength: 1, maxLength: 3 },
          ),
        }),
        { minLength: 1, maxLength: 5 },
      ),
    )
    .map(([events, edits]) => {
      let out = [...events];
      for (const e of edits) {
        if (out.length === 0) out.push(e.ev);
        const i = e.at % out.length;
        if (e.op === 'drop') out.splice(i, 1);
        else if (e.op === 'dup') out.splice(i, 0, out[i]);
        else if (e.op === 'insert') out.splice(i, 0, e.ev);
        else if (e.op === 'truncate') out = out.slice(0, i);
        else {
          let data: unknown;
          try {
            data = JSON.parse(out[i].data);
          } catch {
            continue;
          }
          const changed = e.m.reduce((d, m) => applyMutation(d, m), data);
          out[i] = { ...out[i], data: JSON.stringify(changed) ?? 'null' };
        }
      }
      return out;
    });
}

/** Push hub events through every client format's stream encoder, as the gateway would. */
function encodeEverywhere(events: StreamEvent[], what: string): void {
  const terminal = events.some((e) => e.type === 'finish' || e.type === 'error');
  const all: StreamEvent[] = terminal ? events : [...events, { type: 'error', error: { status: 502, kind: 'upstream', message: 'ended early' } }];
  for (const c of FORMAT_IDS) {
    const enc = guarded(`${c} createStreamEncoder`, () =>
      formatModule(c).createStreamEncoder({ model: 'm', request: SAMPLE_REQUEST[c], reasoningStore: store }),
    );
    if (!enc) continue;
    for (const e of all) {
      const out: string | undefined = guarded(`${c} stream encoder (${what}) on ${JSON.stringify(e).slice(0, 200)}`, (): string => enc.push(e));
      if (out !== undefined) assert.equal(typeof out, 'string');
      if (e.type === 'finish' || e.type === 'error') break;
    }
  }
}

describe('decoders and encoders never throw past the error boundary', () => {
  for (const f of FORMAT_IDS) {
    const mod = formatModule(f);

    test(`${f}: decodeRequest on arbitrary and mutated requests, then encodeRequest to every format`, () => {
      const valid = scriptArb.map((s) => renderRequest(f, s, 'm'));
      fc.assert(
        fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), mutated(valid), mutated(valid)), fc.boolean(), (body, stream) => {
          const ir = guarded(`${f} decodeRequest`, () => mod.decodeRequest(body, { pathModel: 'm', pathStream: stream }));
          if (!ir) return;
          for (const t of FORMAT_IDS) {
            const copy = structuredClone(ir);
            const out = guarded(`${t} encodeRequest (from ${f})`, () =>
              formatModule(t).encodeRequest(copy, { model: 'm', autoCache: true, anthropicVersion: GATEWAY_ANTHROPIC_VERSION, reasoningStore: store }),
            );
            if (out) assert.doesNotThrow(() => JSON.stringify(out), `${t} encodeRequest produced unserialisable output`);
          }
        }),
        { numRuns: RUNS },
      );
    });

    test(`${f}: decodeResponse on arbitrary and mutated responses, then encodeResponse for every client`, () => {
      fc.assert(
        fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), mutated(validResponseArb(f)), mutated(validResponseArb(f))), (body) => {
          const res = guarded(`${f} decodeResponse`, () => mod.decodeResponse(body, { reasoningStore: store }));
          if (!res) return;
          for (const c of FORMAT_IDS) {
            const out = guarded(`${c} encodeResponse (from ${f})`, () =>
              formatModule(c).encodeResponse(structuredClone(res), { model: 'm', request: SAMPLE_REQUEST[c], reasoningStore: store }),
            );
            if (out) assert.doesNotThrow(() => JSON.stringify(out));
          }
          encodeEverywhere(guarded('responseToEvents', () => responseToEvents(res)) ?? [], `${f} response replay`);
        }),
        { numRuns: RUNS },
      );
    });

    test(`${f}: the stream decoder on hostile event sequences, then every client's stream encoder`, () => {
      fc.assert(
        fc.property(hostileStreamArb(f), (events) => {
          const dec = mod.createStreamDecoder({ reasoningStore: store });
          const hub: StreamEvent[] = [];
          let failed = false;
          for (const ev of events) {
            const out = guarded(`${f} stream decoder push ${JSON.stringify(ev).slice(0, 200)}`, () => dec.push(ev));
            if (out === undefined) {
              failed = true;
              break;
            }
            hub.push(...out);
          }
          if (!failed) hub.push(...(guarded(`${f} stream decoder end`, () => dec.end()) ?? []));
          encodeEverywhere(hub, `${f} stream`);
        }),
        { numRuns: RUNS },
      );
    });

    test(`${f}: decodeError never throws, whatever the status and body`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 100, max: 599 }),
          fc.oneof(
            fc.string({ maxLength: 60 }),
            hostileValue.map((v) => JSON.stringify(v) ?? ''),
          ),
          (status, text) => {
            const e = mod.decodeError(status, text);
            assert.equal(typeof e.message, 'string');
            assert.equal(typeof e.status, 'number');
            assert.doesNotThrow(() => JSON.stringify(formatModule(f).encodeError(e)));
          },
        ),
        { numRuns: RUNS },
      );
    });
  }
});
