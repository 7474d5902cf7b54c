import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryLog } from '../../src/observe/entry-log.js';
import { requestLogLine } from '../../src/observe/entry-json.js';
import { CHUNK_ENTRIES, chunkRow, chunksOf, type LogChunk } from '../../src/store/log-store.js';
import type { LogEntry } from '../../src/observe/types.js';
import { makeEntry } from './harness.js';

function filled(log: EntryLog, from: number, to: number, over: (i: number) => Partial<LogEntry> = () => ({})): LogEntry[] {
  const out: LogEntry[] = [];
  for (let i = from; i <= to; i++) {
    const e = makeEntry({ id: `r${i}`, ...over(i) });
    out.push(e);
    log.add(i, e);
  }
  return out;
}

function entriesOf(chunks: LogChunk[]): { seq: number; entry: LogEntry }[] {
  return chunks.flatMap((c) => (JSON.parse(chunkRow(c).toString()) as [number, LogEntry][]).map(([seq, entry]) => ({ seq, entry })));
}

test('the ring keeps only its capacity, newest first, and forgets evicted ids', () => {
  const ring = new EntryLog(5, 0);
  const entries = filled(ring, 1, 12);
  assert.equal(ring.size, 5);
  assert.deepEqual(
    ring.newest(100).map((r) => r.seq),
    [12, 11, 10, 9, 8],
  );
  assert.deepEqual(ring.newest(1)[0].entry, JSON.parse(JSON.stringify(entries[11])));
  assert.equal(ring.newest(1)[0].json, JSON.stringify(entries[11]));
  assert.equal(ring.get('r7'), undefined);
  assert.equal(ring.get('r8')?.seq, 8);
  assert.equal(ring.get('r1'), undefined, 'an id that is the prefix of another is not matched by it');
  assert.equal(ring.oldestSeq(), 8);
  assert.deepEqual(
    ring.newest(2, {}, 11).map((r) => r.seq),
    [10, 9],
  );
  assert.equal(ring.pendingCount, 0, 'nothing pending without maxPending');
  assert.throws(() => new EntryLog(0, 0));
});

test('ring filters: status from the numbers kept, model and downstream from the entries', () => {
  const ring = new EntryLog(50, 0);
  filled(ring, 1, 30, (i) => ({ status: i % 3 === 0 ? 502 : 200, model: i % 2 ? 'odd "m"' : 'even', downstream_id: i % 5 === 0 ? null : 'd' }));
  assert.deepEqual(
    ring.newest(4, { status: { min: 500, max: 599 } }).map((r) => r.seq),
    [30, 27, 24, 21],
  );
  assert.deepEqual(
    ring.newest(3, { model: 'odd "m"', status: { min: 500, max: 599 } }).map((r) => r.seq),
    [27, 21, 15],
  );
  assert.deepEqual(
    ring.newest(100, { downstream: 'd', model: 'even' }).map((r) => r.seq),
    [28, 26, 24, 22, 18, 16, 14, 12, 8, 6, 4, 2],
  );
});

test('ids with characters JSON escapes are found', () => {
  const ring = new EntryLog(8, 0);
  ring.add(1, makeEntry({ id: 'a"b\\c\u0001é😀' }));
  ring.add(2, makeEntry({ id: 'a' }));
  assert.equal(ring.get('a"b\\c\u0001é😀')?.seq, 1);
  assert.equal(ring.get('a')?.seq, 2);
});

test('pending entries leave as chunks of CHUNK_ENTRIES consecutive seqs, their bytes one after the other in one buffer of their own', () => {
  const log = new EntryLog(16, 300);
  const entries = filled(log, 101, 100 + 300, (i) => ({
    model: i <= 100 + CHUNK_ENTRIES ? 'm1' : i < 380 ? 'm2' : null,
    status: 200 + (i % 7),
    time: new Date(1_700_000_000_000 + i * 1000).toISOString(),
  }));
  assert.equal(log.pendingCount, 300);
  assert.equal(log.pendingLines(298), requestLogLine(JSON.stringify(entries[298])) + requestLogLine(JSON.stringify(entries[299])));
  const chunks = log.take();
  assert.equal(log.pendingCount, 0);
  assert.deepEqual(
    chunks.map((c) => [c.firstSeq, c.n]),
    [
      [101, CHUNK_ENTRIES],
      [101 + CHUNK_ENTRIES, CHUNK_ENTRIES],
      [101 + 2 * CHUNK_ENTRIES, 300 - 2 * CHUNK_ENTRIES],
    ],
  );
  const buffers = new Set(chunks.map((c) => c.bytes.buffer));
  assert.equal(buffers.size, 1);
  assert.deepEqual(
    chunks.map((c) => c.bytes.byteOffset),
    [0, chunks[0].bytes.byteLength, chunks[0].bytes.byteLength + chunks[1].bytes.byteLength],
  );
  // (with room to spare, for a later batch to reuse it)
  assert.ok([...buffers][0].byteLength >= chunks.reduce((n, c) => n + c.bytes.byteLength, 0));
  assert.deepEqual(
    entriesOf(chunks),
    entries.map((e, i) => ({ seq: 101 + i, entry: JSON.parse(JSON.stringify(e)) as LogEntry })),
  );
  assert.equal(chunks[0].models, '\nm1\n');
  assert.equal(chunks[1].models, '\nm2\n');
  assert.equal(chunks[2].models, '\nm2\n', 'no model: not listed');
  assert.equal(chunks[0].minStatus, 200);
  assert.equal(chunks[0].maxStatus, 206);
  assert.equal(chunks[0].minMs, 1_700_000_000_000 + 101_000);
  assert.equal(chunks[0].maxMs, 1_700_000_000_000 + (100 + CHUNK_ENTRIES) * 1000);
  assert.deepEqual(log.take(), []);
  assert.equal(log.size, 16, 'the ring keeps its newest after a take');
  assert.equal(log.newest(1)[0].seq, 400);
});

test('more pending entries than allowed is refused, not lost', () => {
  const log = new EntryLog(4, 3);
  filled(log, 1, 3);
  assert.throws(() => log.add(4, makeEntry()), /take\(\)/);
  assert.equal(entriesOf(log.take()).length, 3);
  log.add(4, makeEntry());
});

test('bytes are reused in a circle: entries stay intact across wrap-arounds, with entries of every size', () => {
  // 8 KiB: an entry is ~0.5 KB, the room reserved for it more
  const log = new EntryLog(6, 5, 8 * 1024);
  const kept: LogEntry[] = [];
  for (let i = 1; i <= 400; i++) {
    const e = makeEntry({ id: `w${i}`, error: i % 9 === 0 ? 'x'.repeat(i * 3) : null, model: 'é'.repeat(i % 13) });
    kept.push(e);
    log.add(i, e);
    if (i % 5 === 0) {
      const chunks = log.take();
      assert.deepEqual(
        entriesOf(chunks).map((r) => r.entry),
        kept.slice(i - 5, i).map((x) => JSON.parse(JSON.stringify(x)) as LogEntry),
        `batch ending at ${i}`,
      );
    }
    const ring = log.newest(100);
    assert.ok(ring.length >= 1 && ring.length <= 6);
    for (const r of ring) assert.equal(r.json, JSON.stringify(kept[r.seq - 1]), `entry ${r.seq} after adding ${i}`);
    assert.equal(ring[0].seq, i);
  }
});

test('an entry larger than the buffer grows it, keeping the ring and the pending entries', () => {
  const log = new EntryLog(10, 10, 4 * 1024);
  const small = filled(log, 1, 6);
  const huge = makeEntry({ id: 'huge', error: 'e'.repeat(50_000) });
  log.add(7, huge);
  assert.deepEqual(
    log.newest(100).map((r) => r.seq),
    [7, 6, 5, 4, 3, 2, 1],
  );
  assert.equal(log.get('huge')?.entry.error, huge.error);
  assert.deepEqual(
    entriesOf(log.take()).map((r) => r.entry.id),
    [...small.map((e) => e.id), 'huge'],
  );
});

test('pending entries are never overwritten: the buffer grows instead', () => {
  const log = new EntryLog(2, 40, 4 * 1024);
  const entries = filled(log, 1, 40);
  assert.deepEqual(
    entriesOf(log.take()).map((r) => r.entry),
    entries.map((e) => JSON.parse(JSON.stringify(e)) as LogEntry),
  );
  assert.deepEqual(
    log.newest(10).map((r) => r.seq),
    [40, 39],
  );
});

test('both chunk makers split where seqs are not consecutive (an age prune keeps a chunk with gaps): EntryLog.take and chunksOf', () => {
  const recs = [1, 2, 3, 7, 8, 10].map((seq) => ({ seq, entry: makeEntry({ id: `s${seq}` }) }));
  const log = new EntryLog(8, 8);
  for (const r of recs) log.add(r.seq, r.entry);
  for (const chunks of [log.take(), chunksOf(recs)]) {
    assert.deepEqual(
      chunks.map((c) => [c.firstSeq, c.n]),
      [
        [1, 3],
        [7, 2],
        [10, 1],
      ],
    );
    assert.deepEqual(
      entriesOf(chunks).map((r) => [r.seq, r.entry.id]),
      recs.map((r) => [r.seq, r.entry.id]),
    );
    assert.equal(Buffer.from(chunks[1].bytes).toString(), `${JSON.stringify(recs[3].entry)}\n${JSON.stringify(recs[4].entry)}\n`);
  }
});

test('a batch buffer handed back is filled by a later take() when it is large enough, and left alone when not', () => {
  const log = new EntryLog(8, 200);
  filled(log, 1, 100, (i) => ({ model: `m${i}` }));
  const first = log.take();
  const buffer = first[0].bytes.buffer as ArrayBuffer;
  const small = new ArrayBuffer(16);
  log.reuse(small);
  log.reuse(buffer);
  const entries = filled(log, 101, 150, (i) => ({ model: `again-${i}`, error: i % 2 ? 'x'.repeat(i) : null }));
  const second = log.take();
  assert.equal(second[0].bytes.buffer, buffer, 'the handed-back buffer is filled again');
  assert.deepEqual(
    entriesOf(second),
    entries.map((e, i) => ({ seq: 101 + i, entry: JSON.parse(JSON.stringify(e)) as LogEntry })),
    'what it holds is this batch, whole',
  );
  // the small one did not fit: a batch larger than every spare gets a new buffer
  filled(log, 151, 350, (i) => ({ model: `big-${i}`, error: 'y'.repeat(200) }));
  const third = log.take();
  assert.notEqual(third[0].bytes.buffer, small);
  assert.notEqual(third[0].bytes.buffer, buffer);
  assert.equal(entriesOf(third).length, 200);
});
