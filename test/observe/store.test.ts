import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openDatabase, openDatabaseFile, resolveDbPath, applyMigrations } from '../../src/store/db.js';
import { CHUNK_ENTRIES, LogStore } from '../../src/store/log-store.js';
import { requestId, requestIdTime } from '../../src/util/request-id.js';
import { OBSERVE_MIGRATIONS } from '../../src/store/schema.js';
import { StatsBatch, StatsStore, statsCutoffDay } from '../../src/store/stats-store.js';
import { LATENCY_BOUNDS_MS, latencyBucket, percentileFromBuckets } from '../../src/observe/histogram.js';
import { makeEntry, tempDir } from './harness.js';

const silent = pino({ level: 'silent' });
const DAY = 86_400_000;

function mode(p: string): number {
  return statSync(p).mode & 0o777;
}

test('database, -wal and -shm files are created with mode 0600 in a new folder, in WAL mode', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'nested', 'deeper', 'tresor.db');
    const db = openDatabaseFile(file, OBSERVE_MIGRATIONS);
    new LogStore(db).insert({ seq: 1, entry: makeEntry() });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    for (const p of [file, file + '-wal', file + '-shm']) {
      assert.ok(existsSync(p), `${p} exists`);
      assert.equal(mode(p), 0o600, `${p} mode`);
    }
    const ids = db
      .prepare<[], { id: string }>('SELECT id FROM migrations ORDER BY id')
      .all()
      .map((r) => r.id);
    assert.deepEqual(ids, ['observe-001-request-log', 'observe-002-stats-daily', 'observe-003-request-log-chunks']);
    db.close();
  } finally {
    cleanup();
  }
});

test('an existing database file with loose permissions is tightened to 0600, and migrations run once', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'tresor.db');
    openDatabaseFile(file, OBSERVE_MIGRATIONS).close();
    chmodSync(file, 0o644);
    const db = openDatabaseFile(file, OBSERVE_MIGRATIONS);
    assert.equal(mode(file), 0o600);
    let ran = 0;
    applyMigrations(db, [{ id: 'x-1', up: () => ran++ }]);
    applyMigrations(db, [{ id: 'x-1', up: () => ran++ }]);
    assert.equal(ran, 1);
    db.close();
  } finally {
    cleanup();
  }
});

test('db_path: ~ expands to the home folder, a relative path is relative to the config file', () => {
  assert.equal(resolveDbPath('~/x/t.db', '/etc/tresor/config.yaml'), join(homedir(), 'x/t.db'));
  assert.equal(resolveDbPath('data/t.db', '/etc/tresor/config.yaml'), '/etc/tresor/data/t.db');
  assert.equal(resolveDbPath('/abs/t.db', '/etc/tresor/config.yaml'), '/abs/t.db');
});

test('an unusable database location falls back to an in-memory database instead of failing', () => {
  const { dir, cleanup } = tempDir();
  try {
    const notAFolder = join(dir, 'file');
    writeFileSync(notAFolder, 'x');
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (s: string) => lines.push(s) });
    const opened = openDatabase(join(notAFolder, 'tresor.db'), OBSERVE_MIGRATIONS, logger);
    assert.equal(opened.inMemory, true);
    new LogStore(opened.db).insert({ seq: 1, entry: makeEntry() });
    assert.equal(new LogStore(opened.db).count(), 1);
    assert.match(lines.join(''), /cannot open the database/);
    opened.db.close();

    const corrupt = join(dir, 'corrupt.db');
    writeFileSync(corrupt, Buffer.alloc(8192, 0x5a));
    const second = openDatabase(corrupt, OBSERVE_MIGRATIONS, silent);
    assert.equal(second.inMemory, true);
    second.db.close();
  } finally {
    cleanup();
  }
});

test('request log pruning keeps the newest log_max_entries and drops entries older than the retention', () => {
  const db = openDatabaseFile(':memory:', OBSERVE_MIGRATIONS);
  const log = new LogStore(db);
  const now = Date.now();
  for (let i = 1; i <= 30; i++) {
    const old = i <= 5; // the first five are 40 days old
    log.insert({ seq: i, entry: makeEntry({ id: `e${i}`, time: new Date(old ? now - 40 * DAY : now).toISOString() }) });
  }
  assert.equal(log.pruneEntries({ maxEntries: 100, retentionDays: 30, now }), 5);
  assert.equal(log.count(), 25);
  assert.equal(log.get('e5'), undefined);
  assert.ok(log.get('e6'));
  assert.equal(log.pruneEntries({ maxEntries: 10, retentionDays: 30, now }), 15);
  assert.deepEqual(
    log.page({}, undefined, 100).map((r) => r.seq),
    [30, 29, 28, 27, 26, 25, 24, 23, 22, 21],
  );
  db.close();
});

test("an age prune through the middle of a chunk keeps the survivors' seqs (entries finish out of arrival order)", () => {
  const db = openDatabaseFile(':memory:', OBSERVE_MIGRATIONS);
  const log = new LogStore(db);
  const now = Date.now();
  // one chunk; seq is finish order, time arrival: old and new interleave
  const recs = Array.from({ length: 12 }, (_, i) => ({
    seq: 101 + i,
    entry: makeEntry({ id: `m${i}`, time: new Date(i % 3 === 0 ? now - 40 * DAY : now).toISOString() }),
  }));
  log.insertMany(recs);
  assert.equal(log.pruneEntries({ maxEntries: 100, retentionDays: 30, now }), 4);
  const kept = recs.filter((_, i) => i % 3 !== 0);
  assert.deepEqual(
    log.page({}, undefined, 100).map((r) => [r.seq, r.entry.id]),
    kept.map((r) => [r.seq, r.entry.id]).reverse(),
  );
  for (const r of kept) assert.equal(log.get(r.entry.id)?.seq, r.seq);
  db.close();
});

test('captured payloads are bounded by count and never outlive their log entry', () => {
  const db = openDatabaseFile(':memory:', OBSERVE_MIGRATIONS);
  const log = new LogStore(db);
  for (let i = 1; i <= 20; i++) {
    log.insert({ seq: i, entry: makeEntry({ id: `e${i}` }) });
    log.insertCapture({ seq: i, id: `e${i}`, payloads: { client_request: { body: `{"n":${i}}`, truncated: false } } });
  }
  assert.equal(log.pruneCaptures(8), 12);
  assert.equal(log.captureCount(), 8);
  assert.equal(log.payloads('e12'), undefined);
  assert.deepEqual(log.payloads('e13')?.client_request, { body: '{"n":13}', truncated: false });
  log.pruneEntries({ maxEntries: 5, retentionDays: 30, now: Date.now() });
  assert.equal(log.captureCount(), 5);
  db.close();
});

test('a prune is one transaction: when a step fails, no chunk is gone and the log reads as before', () => {
  const db = openDatabaseFile(':memory:', OBSERVE_MIGRATIONS);
  const log = new LogStore(db);
  for (let i = 1; i <= 3 * CHUNK_ENTRIES; i += CHUNK_ENTRIES) {
    log.insertMany(Array.from({ length: CHUNK_ENTRIES }, (_, k) => ({ seq: i + k, entry: makeEntry({ id: `e${i + k}` }) })));
  }
  log.insertCapture({ seq: 1, id: 'e1', payloads: { client_request: { body: '{}', truncated: false } } });
  // the prune's last step (captures of dropped entries) fails after the chunks were deleted
  db.exec("CREATE TEMP TRIGGER no_capture_delete BEFORE DELETE ON captured_payloads BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
  assert.throws(() => log.pruneEntries({ maxEntries: CHUNK_ENTRIES, retentionDays: 30, now: Date.now() }), /disk says no/);
  assert.equal(log.count(), 3 * CHUNK_ENTRIES);
  assert.ok(log.get('e1'), 'the oldest entry is still there');
  db.exec('DROP TRIGGER no_capture_delete');
  assert.equal(log.pruneEntries({ maxEntries: CHUNK_ENTRIES, retentionDays: 30, now: Date.now() }), 2 * CHUNK_ENTRIES);
  assert.equal(log.count(), CHUNK_ENTRIES);
  assert.equal(log.captureCount(), 0);
  db.close();
});

test('paging walks newest first with filters on model, downstream and status', () => {
  const db = openDatabaseFile(':memory:', OBSERVE_MIGRATIONS);
  const log = new LogStore(db);
  for (let i = 1; i <= 12; i++) {
    log.insert({ seq: i, entry: makeEntry({ id: `e${i}`, model: i % 2 ? 'odd' : 'even', downstream_id: i % 3 ? 'a' : 'b', status: i === 7 ? 429 : 200 }) });
  }
  assert.deepEqual(
    log.page({ model: 'odd' }, 9, 3).map((r) => r.entry.id),
    ['e7', 'e5', 'e3'],
  );
  assert.deepEqual(
    log.page({ downstream: 'b' }, undefined, 10).map((r) => r.seq),
    [12, 9, 6, 3],
  );
  assert.deepEqual(
    log.page({ status: { min: 400, max: 499 } }, undefined, 10).map((r) => r.seq),
    [7],
  );
  db.close();
});

test('a chunked log pages, filters, finds and prunes across chunk boundaries exactly', () => {
  const db = openDatabaseFile(':memory:', OBSERVE_MIGRATIONS);
  const log = new LogStore(db);
  const n = CHUNK_ENTRIES * 3 + 17;
  const base = Date.now() - 1000;
  const recs = Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    return { seq: i, entry: makeEntry({ id: requestId(base + i), model: i % 10 === 0 ? 'rare' : 'common', status: i % 97 === 0 ? 503 : 200 }) };
  });
  log.insertMany(recs);
  assert.equal(db.prepare<[], { c: number }>('SELECT count(*) AS c FROM request_log_chunks').get()?.c, 4, 'one row per CHUNK_ENTRIES entries');
  assert.equal(log.count(), n);
  assert.equal(log.maxSeq(), n);
  // a page that spans chunks, then the next page from its cursor
  const first = log.page({}, undefined, 300);
  assert.deepEqual([first[0].seq, first[299].seq], [n, n - 299]);
  const second = log.page({}, first[299].seq, 5).map((r) => r.seq);
  assert.deepEqual(second, [n - 300, n - 301, n - 302, n - 303, n - 304]);
  // filters hold across chunks; chunks without the model or status are skipped
  const rare = log.page({ model: 'rare' }, undefined, 1000).map((r) => r.seq);
  assert.equal(rare.length, Math.floor(n / 10));
  assert.ok(rare.every((s) => s % 10 === 0));
  assert.deepEqual(
    log.page({ status: { min: 500, max: 599 } }, undefined, 100).map((r) => r.seq),
    [776, 679, 582, 485, 388, 291, 194, 97].filter((s) => s <= n),
  );
  assert.deepEqual(log.page({ model: 'nobody' }, undefined, 10), []);
  // id lookups (time-ordered ids are found by the time they carry)
  for (const i of [1, CHUNK_ENTRIES, CHUNK_ENTRIES + 1, n]) assert.equal(log.get(recs[i - 1].entry.id)?.seq, i);
  assert.equal(log.get(requestId(base - 60_000)), undefined);
  // a count limit that cuts through a chunk keeps exactly the newest entries
  assert.equal(log.pruneEntries({ maxEntries: 300, retentionDays: 30, now: Date.now() }), n - 300);
  assert.equal(log.count(), 300);
  assert.equal(log.page({}, undefined, 1000).at(-1)?.seq, n - 299);
  assert.equal(log.get(recs[n - 301].entry.id), undefined);
  db.close();
});

test('chunk rows are stored as text: entries with non-ASCII text round-trip and are found by model and id', () => {
  const db = openDatabaseFile(':memory:', OBSERVE_MIGRATIONS);
  const log = new LogStore(db);
  const model = 'modèle-✓-😀';
  const error = 'zu früh: “quoted” \u2028 and a lone \\ backslash';
  const recs = [1, 2, 3].map((seq) => ({
    seq,
    entry: makeEntry({ id: requestId(Date.now() - 10 + seq), model: seq === 2 ? model : 'plain', error, status: 500 }),
  }));
  log.insertMany(recs);
  assert.equal(db.prepare<[], { t: string }>('SELECT typeof(entries) AS t FROM request_log_chunks').get()?.t, 'text');
  const row = db.prepare<[], { entries: string }>('SELECT entries FROM request_log_chunks').get();
  assert.deepEqual(
    (JSON.parse(row!.entries) as [number, { model: string }][]).map(([seq, e]) => [seq, e.model]),
    [
      [1, 'plain'],
      [2, model],
      [3, 'plain'],
    ],
  );
  assert.deepEqual(
    log.page({ model }, undefined, 10).map((r) => [r.seq, r.entry.model, r.entry.error]),
    [[2, model, error]],
  );
  assert.equal(log.get(recs[1].entry.id)?.entry.model, model);
  db.close();
});

test('a database with the old one-row-per-entry request log is migrated into chunks', () => {
  const db = openDatabaseFile(
    ':memory:',
    OBSERVE_MIGRATIONS.filter((m) => m.id !== 'observe-003-request-log-chunks'),
  );
  const ins = db.prepare('INSERT INTO request_log (seq, id, time_ms, model, downstream_id, status, entry) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (let i = 1; i <= 300; i++) {
    const e = makeEntry({ id: `old${i}`, model: i % 2 ? 'odd' : 'even' });
    ins.run(i, e.id, Date.parse(e.time), e.model, e.downstream_id, e.status, JSON.stringify(e));
  }
  applyMigrations(db, OBSERVE_MIGRATIONS);
  const log = new LogStore(db);
  assert.equal(log.count(), 300);
  assert.equal(log.maxSeq(), 300);
  assert.equal(log.get('old7')?.entry.model, 'odd');
  assert.deepEqual(
    log.page({ model: 'even' }, undefined, 2).map((r) => r.entry.id),
    ['old300', 'old298'],
  );
  assert.equal(db.prepare<[], { c: number }>("SELECT count(*) AS c FROM sqlite_master WHERE name = 'request_log'").get()?.c, 0);
  db.close();
});

function entryOn(day: string, over: Parameters<typeof makeEntry>[0] = {}) {
  return makeEntry({ time: `${day}T12:00:00.000Z`, ...over });
}

test('stats rows accumulate per day × model × downstream × client across batches', () => {
  const db = openDatabaseFile(':memory:', OBSERVE_MIGRATIONS);
  const stats = new StatsStore(db);
  const b1 = new StatsBatch();
  b1.add(entryOn('2025-03-01', { usage: { input_tokens: 10, output_tokens: 5, cache_read_tokens: 1, cache_creation_tokens: 2, reasoning_tokens: 3 } }));
  b1.add(
    entryOn('2025-03-01', { status: 502, usage: { input_tokens: 1, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0, reasoning_tokens: 0 } }),
  );
  b1.add(entryOn('2025-03-02', { model: 'gemini-pro', downstream_id: 'gemini', client_addr: '10.0.0.2' }));
  stats.write(b1.values());
  const b2 = new StatsBatch();
  b2.add(
    entryOn('2025-03-01', {
      model: null,
      downstream_id: null,
      status: 401,
      usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0, reasoning_tokens: 0 },
    }),
  );
  b2.add(entryOn('2025-03-01'));
  stats.write(b2.values());
  assert.equal(b1.size, 2);

  const byModel = stats.query('2025-03-01', '2025-03-31', 'model');
  assert.deepEqual(
    byModel.map((r) => [r.key, r.requests, r.errors, r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_creation_tokens, r.reasoning_tokens]),
    [
      ['gpt-4o', 3, 1, 21, 10, 1, 2, 3],
      ['(none)', 1, 1, 0, 0, 0, 0, 0],
      ['gemini-pro', 1, 0, 10, 5, 0, 0, 0],
    ],
  );
  assert.deepEqual(
    stats.query('2025-03-01', '2025-03-31', 'day').map((r) => [r.key, r.requests]),
    [
      ['2025-03-01', 4],
      ['2025-03-02', 1],
    ],
  );
  assert.deepEqual(
    stats.query('2025-03-01', '2025-03-31', 'client').map((r) => [r.key, r.requests]),
    [
      ['127.0.0.1', 4],
      ['10.0.0.2', 1],
    ],
  );
  assert.deepEqual(
    stats.query('2025-03-02', '2025-03-02', 'downstream').map((r) => [r.key, r.requests]),
    [['gemini', 1]],
  );
  db.close();
});

test('stats percentiles come from the latency histogram', () => {
  const db = openDatabaseFile(':memory:', OBSERVE_MIGRATIONS);
  const stats = new StatsStore(db);
  const b = new StatsBatch();
  // 1..1000 ms, spread over two clients so rows merge in the query
  for (let ms = 1; ms <= 1000; ms++) b.add(entryOn('2025-03-01', { duration_ms: ms, client_addr: ms % 2 ? 'a' : 'b' }));
  stats.write(b.values());
  const [row] = stats.query('2025-03-01', '2025-03-01', 'model');
  assert.ok(row.p50_ms !== null && Math.abs(row.p50_ms - 500) <= 50, `p50 ${row.p50_ms}`);
  assert.ok(row.p95_ms !== null && Math.abs(row.p95_ms - 950) <= 50, `p95 ${row.p95_ms}`);

  const c = new StatsBatch();
  for (let i = 0; i < 10; i++) c.add(entryOn('2025-04-01', { duration_ms: 123 }));
  stats.write(c.values());
  const [constant] = stats.query('2025-04-01', '2025-04-01', 'day');
  assert.equal(constant.p50_ms, 123);
  assert.equal(constant.p95_ms, 123);
  db.close();
});

test('stats keep 12 months', () => {
  const db = openDatabaseFile(':memory:', OBSERVE_MIGRATIONS);
  const stats = new StatsStore(db);
  const now = Date.parse('2025-06-15T10:00:00Z');
  assert.equal(statsCutoffDay(now), '2024-06-15');
  const b = new StatsBatch();
  for (const day of ['2024-06-14', '2024-06-15', '2025-01-01', '2025-06-15']) b.add(entryOn(day));
  stats.write(b.values());
  assert.equal(stats.prune(now), 1);
  assert.deepEqual(
    stats.query('2000-01-01', '2100-01-01', 'day').map((r) => r.key),
    ['2024-06-15', '2025-01-01', '2025-06-15'],
  );
  db.close();
});

test('the stats query is answered from the primary-key index by day range', () => {
  const db = openDatabaseFile(':memory:', OBSERVE_MIGRATIONS);
  const plan = db
    .prepare<[string, string], { detail: string }>('EXPLAIN QUERY PLAN SELECT model, sum(requests) FROM stats_daily WHERE day BETWEEN ? AND ? GROUP BY model')
    .all('2025-01-01', '2025-02-01')
    .map((r) => r.detail)
    .join(' | ');
  assert.match(plan, /SEARCH stats_daily USING PRIMARY KEY \(day>\? AND day<\?\)/);
  db.close();
});

test('a year of daily rows is aggregated correctly', () => {
  const db = openDatabaseFile(':memory:', OBSERVE_MIGRATIONS);
  const stats = new StatsStore(db);
  const b = new StatsBatch();
  const start = Date.parse('2024-01-01T00:00:00Z');
  for (let d = 0; d < 365; d++)
    for (let m = 0; m < 5; m++)
      for (let c = 0; c < 4; c++)
        b.add(makeEntry({ time: new Date(start + d * DAY + 1000).toISOString(), model: `m${m}`, client_addr: `10.0.0.${c}`, duration_ms: 100 }));
  stats.write(b.values());
  const rows = stats.query('2024-01-01', '2024-12-31', 'model');
  assert.equal(rows.length, 5);
  for (const r of rows) assert.equal(r.requests, 365 * 4);
  assert.equal(stats.query('2024-01-01', '2024-12-31', 'day').length, 365);
  db.close();
});

test('latency buckets and percentiles', () => {
  assert.equal(latencyBucket(0), 0);
  assert.equal(latencyBucket(1), 0);
  assert.equal(latencyBucket(1.5), 1);
  assert.equal(latencyBucket(10_000_000), LATENCY_BOUNDS_MS.length);
  const counts = new Array(LATENCY_BOUNDS_MS.length + 1).fill(0);
  assert.equal(percentileFromBuckets(counts, 0.5, 0, 0), null);
  counts[latencyBucket(900_000)] = 4;
  assert.equal(percentileFromBuckets(counts, 0.5, 800_000, 1_000_000), 800_000);
  assert.equal(percentileFromBuckets(counts, 1, 800_000, 1_000_000), 1_000_000);
});

test('mkdir of a nested db folder does not loosen an existing folder', () => {
  const { dir, cleanup } = tempDir();
  try {
    const folder = join(dir, 'keep');
    mkdirSync(folder, { mode: 0o750 });
    openDatabaseFile(join(folder, 't.db'), OBSERVE_MIGRATIONS).close();
    assert.equal(mode(folder), 0o750);
  } finally {
    cleanup();
  }
});

test('request ids are UUID version 7 carrying their creation time', () => {
  const t = Date.parse('2026-11-27T12:00:00.123Z');
  const id = requestId(t);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(requestIdTime(id), t);
  assert.ok(requestId(t + 1) > id, 'later ids sort later');
  assert.equal(requestIdTime('e5'), undefined);
  assert.equal(requestIdTime('123e4567-e89b-42d3-a456-426614174000'), undefined);
});

test('a stats batch counts each request under its own key when keys alternate and repeat', () => {
  const b = new StatsBatch();
  const keys = ['a', 'b', 'a', 'a', 'c', 'b', 'a'];
  for (const [i, k] of keys.entries()) b.add(entryOn('2025-05-01', { client_addr: k, duration_ms: i, model: i === 6 ? 'other' : 'gpt-4o' }));
  b.add(entryOn('2025-05-02', { client_addr: 'a' }));
  const rows = [...b.values()].map((r) => [r.day, r.model, r.client, r.requests, r.duration_sum_ms]);
  assert.deepEqual(rows, [
    ['2025-05-01', 'gpt-4o', 'a', 3, 0 + 2 + 3],
    ['2025-05-01', 'gpt-4o', 'b', 2, 1 + 5],
    ['2025-05-01', 'gpt-4o', 'c', 1, 4],
    ['2025-05-01', 'other', 'a', 1, 6],
    ['2025-05-02', 'gpt-4o', 'a', 1, 40],
  ]);
  b.clear();
  b.add(entryOn('2025-05-01', { client_addr: 'a' }));
  assert.deepEqual(
    [...b.values()].map((r) => r.requests),
    [1],
  );
});
