/**
 * Generated request bodies for fuzzing a running daemon (test/fuzz/daemon.test.ts runs a few
 * thousand per client format; bench/fuzz.ts 10⁵): valid requests of every client format
 * (streaming or not, routed to downstreams of every format), and invalid ones — arbitrary
 * JSON, valid requests with nodes of the wrong type, truncated JSON, bodies over the size
 * limit, deep nesting, binary garbage, empty bodies. Deterministic for a given seed.
 */
import fc from 'fast-check';
import { FORMAT_IDS, type FormatId } from '../../src/ir/types.js';
import { clientHeaders, clientPath, isRec, type ClientKind } from '../resilience/client-shapes.js';
import { renderRequest, scriptArb, type Script } from './requests.js';
import { applyMutation, deepJson, hostileValue, type Mutation } from './mutate.js';

export type BodyKind = 'valid' | 'arbitrary' | 'mutated' | 'truncated' | 'huge' | 'deep' | 'garbage' | 'empty';

export interface FuzzCase {
  kind: BodyKind;
  client: ClientKind;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Send with Transfer-Encoding: chunked instead of Content-Length. */
  chunked: boolean;
  stream: boolean;
  /** Valid requests must succeed (200 and the format's success shape). */
  mustSucceed: boolean;
}

/** The model that routes to a downstream of each format (one mock downstream per format). */
export const FUZZ_MODELS: Record<FormatId, string> = { openai: 'fz-openai', openai_responses: 'fz-responses', anthropic: 'fz-anthropic', gemini: 'fz-gemini' };

/** Downstream config entries for a provider mock listening at `url` (all four formats). */
export function fuzzDownstreams(url: string): Record<string, unknown>[] {
  return FORMAT_IDS.map((f) => ({
    id: `fz-${f}`,
    api_formats: [f],
    base_url: f === 'openai' || f === 'openai_responses' ? `${url}/v1` : url,
    api_key: `sk-fuzz-${f}-123456`,
    output_model_ids: [FUZZ_MODELS[f]],
    timeouts: { connect_ms: 2000, first_byte_ms: 10_000, idle_ms: 10_000 },
  }));
}

const WEIGHTS: [BodyKind, number][] = [
  ['valid', 30],
  ['arbitrary', 10],
  ['mutated', 25],
  ['truncated', 10],
  ['huge', 4],
  ['deep', 6],
  ['garbage', 10],
  ['empty', 5],
];

function clientKindFor(format: FormatId, rnd: () => number): ClientKind {
  return format === 'gemini' && rnd() < 0.3 ? 'gemini_array' : format;
}

/** A small deterministic PRNG (mulberry32), so a seed reproduces a run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickKind(rnd: () => number): BodyKind {
  const total = WEIGHTS.reduce((s, [, w]) => s + w, 0);
  let x = rnd() * total;
  for (const [k, w] of WEIGHTS) if ((x -= w) < 0) return k;
  return 'valid';
}

/** Set the body's streaming flag the way the client format does (Gemini: in the path). */
function withStream(format: FormatId, body: unknown, stream: boolean): unknown {
  if (format === 'gemini' || !isRec(body)) return body;
  return { ...body, stream };
}

/** Pre-generated material (fast-check generation is slow; cases combine these cheaply). */
export interface FuzzPool {
  scripts: Script[];
  hostile: unknown[];
  arbitrary: unknown[];
}

export function makePool(seed: number, scripts: number): FuzzPool {
  return {
    scripts: fc.sample(scriptArb, { numRuns: scripts, seed }),
    hostile: fc.sample(hostileValue, { numRuns: 1000, seed: seed + 1 }),
    arbitrary: fc.sample(fc.jsonValue({ maxDepth: 5 }), { numRuns: 1000, seed: seed + 2 }),
  };
}

const OPS: Mutation['op'][] = ['replace', 'replace', 'delete', 'wrap', 'duplicate'];

/** 1–4 random mutations of `doc`, with values from the pool. */
function mutate(doc: unknown, pool: FuzzPool, rnd: () => number): unknown {
  let out = doc;
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    const values = rnd() < 0.7 ? pool.hostile : pool.arbitrary;
    out = applyMutation(out, { pick: Math.floor(rnd() * 1e9), op: OPS[Math.floor(rnd() * OPS.length)], value: values[Math.floor(rnd() * values.length)] });
  }
  return out;
}

/**
 * `count` fuzz cases for client `format`, deterministic for `seed`. `maxBodyBytes` is the
 * daemon's max_body_bytes (huge bodies exceed it).
 */
export function* fuzzCases(format: FormatId, count: number, seed: number, maxBodyBytes: number, pool: FuzzPool): Generator<FuzzCase> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  for (let i = 0; i < count; i++) {
    const kind = pickKind(rnd);
    const target = pick(FORMAT_IDS);
    const model = FUZZ_MODELS[target];
    const client = clientKindFor(format, rnd);
    const stream = rnd() < 0.5;
    const valid = withStream(format, renderRequest(format, pick(pool.scripts), model), stream);
    let text: string | Buffer;
    switch (kind) {
      case 'valid':
        text = JSON.stringify(valid);
        break;
      case 'arbitrary': {
        const v = pick(pool.arbitrary);
        text = JSON.stringify(rnd() < 0.5 ? v : { model, messages: v, contents: v, input: v }) ?? 'null';
        break;
      }
      case 'mutated': {
        const m = mutate(valid, pool, rnd);
        // keep routing to a real downstream most of the time, so the mutation reaches the converters
        text = JSON.stringify(isRec(m) && rnd() < 0.8 ? withStream(format, { ...m, model }, stream) : m) ?? 'null';
        break;
      }
      case 'truncated': {
        const whole = JSON.stringify(valid);
        text = whole.slice(0, Math.max(1, Math.floor(rnd() * (whole.length - 1))));
        break;
      }
      case 'huge': {
        const pad = 'x'.repeat(maxBodyBytes + 1 + Math.floor(rnd() * 4096));
        text = JSON.stringify(withStream(format, { ...(valid as object), padding: pad }, stream));
        break;
      }
      case 'deep': {
        const nest = deepJson(pick([200, 5_000, 50_000]), rnd() < 0.5 ? 'array' : 'object');
        const whole = JSON.stringify(valid);
        // the nesting inside an otherwise valid request, or as the whole body
        text = rnd() < 0.7 ? `${whole.slice(0, -1)},"extra":${nest}}` : nest;
        break;
      }
      case 'garbage': {
        const bytes = Buffer.alloc(1 + Math.floor(rnd() * 512));
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rnd() * 256);
        text = rnd() < 0.5 ? bytes : (JSON.stringify(pick(pool.hostile)) ?? '') + bytes.toString('latin1');
        break;
      }
      case 'empty':
        text = '';
        break;
    }
    yield {
      kind,
      client,
      path: clientPath(client, model, stream),
      headers: clientHeaders(client),
      body: Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'),
      chunked: rnd() < 0.2,
      stream,
      mustSucceed: kind === 'valid',
    };
  }
}
