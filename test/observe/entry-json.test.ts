import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ATTEMPT_FIELDS, ENTRY_FIELDS, USAGE_FIELDS, entryJson, entryRoom, writeEntry } from '../../src/observe/entry-json.js';
import type { LogEntry } from '../../src/observe/types.js';
import { makeEntry } from './harness.js';

/** Every field set, in declaration order (the order entryJson writes), so JSON.stringify must give the same text. */
function fullEntry(over: Partial<LogEntry> = {}): LogEntry {
  return {
    id: '01JD0000000000000000000000',
    time: '2026-11-28T01:02:03.456Z',
    client_addr: '::ffff:127.0.0.1',
    client_format: 'anthropic',
    path: '/v1/messages',
    model: 'claude-fast',
    downstream_id: 'anthropic-main',
    output_model: 'claude-sonnet-4-20250514',
    alias_option_id: 'primary',
    rules: ['long-context', 'eu'],
    stream: true,
    status: 502,
    error: 'downstream anthropic-main: upstream 529 overloaded',
    ttfb_ms: 12,
    duration_ms: 1234.5678,
    usage: { input_tokens: 1, output_tokens: 2, cache_read_tokens: 3, cache_creation_tokens: 4, reasoning_tokens: 5 },
    plugins: ['anthropic2openai', 'strip-thinking'],
    attempts: [
      { downstream_id: 'openai-a', option_id: 'primary', status: 429, error: 'rate limited', duration_ms: 3 },
      { downstream_id: 'anthropic-main', option_id: 'fallback', status: 502, error: 'overloaded', duration_ms: 9.25 },
    ],
    state: 'finished',
    ...over,
  };
}

test('entryJson writes exactly what JSON.stringify writes for an entry with every field set', () => {
  const e = fullEntry();
  assert.equal(entryJson(e), JSON.stringify(e));
  // the field lists the compiler checks are the ones written, in order
  const parsed = JSON.parse(entryJson(e)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), [...ENTRY_FIELDS]);
  assert.deepEqual(Object.keys(parsed.usage as object), [...USAGE_FIELDS]);
  assert.deepEqual(Object.keys((parsed.attempts as object[])[0]), [...ATTEMPT_FIELDS]);
});

test('entryJson leaves out undefined optional fields and writes nulls, as JSON.stringify does', () => {
  const e = fullEntry({ alias_option_id: null, client_format: null, model: null, downstream_id: null, output_model: null, error: null, ttfb_ms: null });
  delete e.rules;
  delete e.state;
  e.attempts = [{ downstream_id: 'd', status: 200, duration_ms: 1 }];
  assert.equal(entryJson(e), JSON.stringify(e));
  const noAlias = fullEntry();
  delete noAlias.alias_option_id;
  assert.equal(entryJson(noAlias), JSON.stringify(noAlias));
  const empty = fullEntry({ rules: [], plugins: [], attempts: [] });
  assert.equal(entryJson(empty), JSON.stringify(empty));
});

test('entryJson escapes what clients and providers may put in strings: quotes, backslashes, control characters, lone surrogates', () => {
  const nasty = [
    'say "hi"',
    'C:\\models\\x',
    'line\nbreak\ttab\r\u0000\u001f\u007f',
    'emoji 🦄 and accents éü and CJK 漢字',
    'lone \ud800 high',
    'lone \udfff low',
    '</script><script>alert(1)</script>',
    '\u2028\u2029',
  ];
  for (const s of nasty) {
    const e = fullEntry({
      model: s,
      path: `/v1/${s}`,
      error: s,
      rules: [s],
      plugins: [s],
      attempts: [{ downstream_id: s, option_id: s, status: 500, error: s, duration_ms: 1 }],
    });
    const json = entryJson(e);
    assert.equal(json, JSON.stringify(e), `for ${JSON.stringify(s)}`);
    assert.deepEqual(JSON.parse(json), JSON.parse(JSON.stringify(e)));
  }
});

test('entryJson writes numbers as JSON does: non-finite ones as null, fractions and negative zero as JSON.stringify', () => {
  for (const n of [0, -0, 1.5, 1e21, 1e-7, Number.MAX_SAFE_INTEGER, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    const e = fullEntry({ duration_ms: n, ttfb_ms: n, status: n });
    e.usage.output_tokens = n;
    e.attempts[0].duration_ms = n;
    assert.equal(entryJson(e), JSON.stringify(e), `for ${n}`);
  }
});

/** A small deterministic generator (xorshift), so that a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

test('writeEntry writes the UTF-8 of JSON.stringify(entry), within entryRoom, for thousands of generated entries', () => {
  const rnd = random(20261128);
  const pieces = [
    'a',
    'é',
    '€',
    '😀',
    '\ud800',
    '\udc00',
    '"',
    '\\',
    '\n',
    '\u0001',
    '\u001f',
    '\u007f',
    '\u2028',
    'x'.repeat(40),
    '\t',
    '\b',
    '\f',
    '\r',
    '漢',
  ];
  const text = () => Array.from({ length: rnd(12) }, () => pieces[rnd(pieces.length)]).join('');
  const nums = [0, -0, 1, -1, 12.5, 1e21, 1e15, 999_999_999_999_999, -123_456_789, Number.NaN, Number.POSITIVE_INFINITY, 0.1, 1234.5678, 2 ** 53];
  const n = () => nums[rnd(nums.length)];
  const maybe = <T>(v: () => T): T | null => (rnd(3) === 0 ? null : v());
  const out = Buffer.alloc(64 * 1024, 0xff);
  for (let k = 0; k < 3000; k++) {
    const e: LogEntry = {
      id: text(),
      time: text(),
      client_addr: text(),
      client_format: maybe(text) as LogEntry['client_format'],
      path: text(),
      model: maybe(text),
      downstream_id: maybe(text),
      output_model: maybe(text),
      ...(rnd(2) ? { alias_option_id: maybe(text) } : {}),
      ...(rnd(2) ? { rules: Array.from({ length: rnd(3) }, text) } : {}),
      stream: rnd(2) === 0,
      status: n(),
      error: maybe(text),
      ttfb_ms: maybe(n),
      duration_ms: n(),
      usage: { input_tokens: n(), output_tokens: n(), cache_read_tokens: n(), cache_creation_tokens: n(), reasoning_tokens: n() },
      plugins: Array.from({ length: rnd(3) }, text),
      attempts: Array.from({ length: rnd(3) }, () => ({
        downstream_id: text(),
        ...(rnd(2) ? { option_id: text() } : {}),
        status: n(),
        ...(rnd(2) ? { error: text() } : {}),
        duration_ms: n(),
      })),
      ...(rnd(3) === 0 ? { state: 'started' as const } : {}),
    };
    const at = rnd(100);
    const end = writeEntry(e, out, at);
    assert.equal(out.toString('utf8', at, end), JSON.stringify(e), `entry ${k}`);
    assert.ok(end - at <= entryRoom(e), `entry ${k}: ${end - at} bytes, room ${entryRoom(e)}`);
    assert.equal(out[end], 0xff, 'nothing written past the end');
    out.fill(0xff, at, end);
  }
});

test('entryJson of an entry as the gateway builds it (fields set in another order) parses to the same entry', () => {
  const e = makeEntry({ stream: true });
  // set late, as the exchange does: JSON.stringify would write them after `attempts`
  e.alias_option_id = 'opt';
  e.rules = ['r1'];
  assert.deepEqual(JSON.parse(entryJson(e)), JSON.parse(JSON.stringify(e)));
});

test('batchLines makes the stdout line of each entry, from the given one on; chunkRow the row text of [seq, entry] pairs; both the same in a reused scratch buffer', async () => {
  const { requestLogLine } = await import('../../src/observe/entry-json.js');
  const { chunkRow, chunksOf } = await import('../../src/store/log-store.js');
  const { batchLines } = await import('../../src/store/writer.js');
  const { ScratchBuffer } = await import('../../src/util/scratch-buffer.js');
  const entries = [fullEntry({ id: 'a' }), fullEntry({ id: 'b', model: 'line\nbreak "q" é😀' }), fullEntry({ id: 'c', model: null, downstream_id: null })];
  const jsonl = entries.map((e) => entryJson(e) + '\n').join('');
  const lines = (from: number) =>
    entries
      .slice(from)
      .map((e) => requestLogLine(entryJson(e)))
      .join('');
  const [chunk] = chunksOf(entries.map((entry, i) => ({ seq: 41 + i, entry })));
  const scratch = new ScratchBuffer();
  for (const from of [0, 1, 2, 3, 0]) {
    const batch = { chunks: [chunk], stats: [], lines: { fd: 1, from } };
    assert.equal(batchLines(batch).toString(), lines(from), `from ${from}`);
    assert.equal(batchLines(batch, scratch).toString(), lines(from), `from ${from}, in the scratch buffer`);
  }
  for (const line of lines(0).split('\n').filter(Boolean)) {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.equal(parsed.level, 'info');
    assert.equal(parsed.msg, 'request');
  }

  assert.equal(Buffer.from(chunk.bytes).toString(), jsonl);
  assert.equal(chunk.bytes.byteLength, chunk.bytes.buffer.byteLength, 'the bytes own their buffer (it may be transferred)');
  const rows = entries.map((e, i) => [41 + i, JSON.parse(JSON.stringify(e))]);
  assert.deepEqual(JSON.parse(chunkRow(chunk).toString()), rows);
  // a larger batch's lines first, then the row, in the same scratch: only the row's bytes come back
  batchLines({ chunks: [chunk, chunk, chunk], stats: [], lines: { fd: 1, from: 0 } }, scratch);
  assert.deepEqual(JSON.parse(chunkRow(chunk, scratch).toString()), rows);
  assert.equal(chunk.models, '\nclaude-fast\nline\nbreak "q" é😀\n');
  assert.equal(chunk.downstreams, '\nanthropic-main\n');
  const twice = { chunks: [chunk, chunk], stats: [] };
  assert.equal(batchLines({ ...twice, lines: { fd: 1, from: 4 } }).toString(), lines(1));
  assert.equal(batchLines({ ...twice, lines: { fd: 1, from: 2 } }).toString(), lines(2) + lines(0));
  assert.equal(batchLines({ ...twice, lines: { fd: 1, from: 6 } }).length, 0);
});
