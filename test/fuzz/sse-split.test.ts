/**
 * The SSE reader yields identical events however the bytes of the real providers' recorded
 * streams are split (CRLF framing, multi-byte UTF-8, long events); and the pass-through's
 * event splitter (WholeEvents) hands out the same bytes, only ever cut at event boundaries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SseReader, type SseEvent } from '../../src/util/sse.js';
import { WholeEvents } from '../../src/gateway/stream-frames.js';
import { fixtureChunks, fixtureManifest, frameStream } from '../helpers/fixtures.js';

const RUNS = Number(process.env.TRESOR_FUZZ_RUNS ?? 100);

const streams = fixtureManifest()
  .filter((e) => e.streaming)
  .map((e) => ({ file: e.file, bytes: Buffer.from(frameStream(e.format, fixtureChunks(e.file)), 'utf8') }));

function parseWhole(bytes: Buffer): SseEvent[] {
  const r = new SseReader();
  return [...r.pushBytes(bytes), ...r.end()];
}

/** The input cut at the given points (sorted, deduplicated, inside the buffer). */
function pieces(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => 1 + (c % Math.max(1, bytes.length - 1))))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    if (p > prev) out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

const cutsArb = fc.oneof(fc.array(fc.nat(), { maxLength: 40 }), fc.array(fc.nat(), { minLength: 100, maxLength: 400 }));

test('there are recorded streams of all four formats to split', () => {
  assert.ok(streams.length >= 8, `${streams.length} recorded streams`);
});

for (const s of streams) {
  test(`SSE reader: identical events however ${s.file} is split`, () => {
    const expected = parseWhole(s.bytes);
    assert.ok(expected.length > 0);
    fc.assert(
      fc.property(cutsArb, (cuts) => {
        const r = new SseReader();
        const got: SseEvent[] = [];
        for (const p of pieces(s.bytes, cuts)) got.push(...r.pushBytes(p));
        got.push(...r.end());
        assert.deepEqual(got, expected);
      }),
      { numRuns: RUNS },
    );
  });
}

test('WholeEvents: the same bytes come out, cut only after a blank line, however they arrive', () => {
  fc.assert(
    fc.property(fc.constantFrom(...streams), cutsArb, fc.boolean(), (s, cuts, truncate) => {
      // a stream that breaks off mid-event keeps its partial event back
      const bytes = truncate ? s.bytes.subarray(0, Math.max(1, s.bytes.length - 7)) : s.bytes;
      const w = new WholeEvents();
      const out: Buffer[] = [];
      for (const p of pieces(bytes, cuts)) {
        const whole = w.take(p);
        if (whole.length === 0) continue;
        const text = whole.toString('latin1');
        assert.ok(text.endsWith('\n\n') || text.endsWith('\r\n\r\n'), `handed out a partial event: …${JSON.stringify(text.slice(-40))}`);
        out.push(Buffer.from(whole));
      }
      const rest = w.rest();
      assert.deepEqual(Buffer.concat([...out, rest]), bytes, 'bytes are neither lost nor changed');
      // what went out parses to the same events as the complete part of the input
      assert.deepEqual(parseWhole(Buffer.concat(out)), parseWhole(bytes).slice(0, parseWhole(Buffer.concat(out)).length));
      if (!truncate) assert.equal(rest.toString('utf8').trim(), '', 'a complete stream leaves nothing but trailing whitespace');
    }),
    { numRuns: RUNS * 2 },
  );
});

test('WholeEvents: an event larger than 1 MiB without a boundary is let through (memory stays bounded)', () => {
  const w = new WholeEvents();
  let out = 0;
  for (let i = 0; i < 40; i++) out += w.take(Buffer.alloc(64 * 1024, 0x61)).length;
  assert.ok(out > 0, 'nothing was let through');
  assert.ok(40 * 64 * 1024 - out <= 1024 * 1024, 'at most 1 MiB is held');
});
