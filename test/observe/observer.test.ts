import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createLogger } from '../../src/app/logger.js';
import { join } from 'node:path';
import { openDatabaseFile } from '../../src/store/db.js';
import { LogStore } from '../../src/store/log-store.js';
import { OBSERVE_MIGRATIONS } from '../../src/store/schema.js';
import { makeEntry, nextTurn, startHarness, tempDir, waitFor } from './harness.js';

test('finished() writes nothing synchronously; a flush writes the batch in one go', async () => {
  const h = await startHarness({ options: { flushIntervalMs: 60_000, flushBatchSize: 1000 } });
  try {
    for (let i = 0; i < 20; i++) h.obs.observer.finished(makeEntry());
    assert.equal(h.obs.log!.count(), 0, 'nothing written on the caller stack');
    await nextTurn();
    assert.equal(h.obs.log!.count(), 0, 'nothing written before the flush');
    h.obs.observer.flush();
    assert.equal(h.obs.log!.count(), 20);
  } finally {
    await h.close();
  }
});

test('a full batch is flushed on the next turn, and the timer flushes the rest', async () => {
  const h = await startHarness({ options: { flushIntervalMs: 100, flushBatchSize: 10 } });
  try {
    for (let i = 0; i < 10; i++) h.obs.observer.finished(makeEntry());
    await nextTurn();
    assert.equal(h.obs.log!.count(), 10);
    h.obs.observer.finished(makeEntry());
    await waitFor(() => h.obs.log!.count() === 11, 2000, 'timer flush');
  } finally {
    await h.close();
  }
});

test('the ring is bounded while SQLite keeps history; pages merge both', async () => {
  const h = await startHarness({ options: { ringSize: 5, flushIntervalMs: 60_000 } });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const e = makeEntry();
      ids.push(e.id);
      h.obs.observer.finished(e);
      if (i === 8) h.obs.observer.flush(); // 9 in SQLite, 3 only in memory
    }
    assert.equal(h.obs.observer.ring.size, 5);
    const page = h.obs.observer.page({}, undefined, 100);
    assert.deepEqual(
      page.entries.map((e) => e.id),
      [...ids].reverse(),
    );
    assert.equal(page.next_before, null);
    assert.equal(h.obs.observer.entry(ids[0])?.entry.id, ids[0], 'old entry found in SQLite');
  } finally {
    await h.close();
  }
});

test('log retention and capture limits from the config are applied on prune', async () => {
  const h = await startHarness({ yaml: 'log_max_entries: 7\ncapture_max_entries: 3\ncapture_max_bytes: 16\n', options: { flushIntervalMs: 60_000 } });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const e = makeEntry();
      ids.push(e.id);
      h.obs.observer.finished(e, { client_request: { body: `{"i":${i},"pad":"${'x'.repeat(40)}"}`, truncated: false } });
    }
    h.obs.observer.flush();
    h.obs.observer.prune();
    assert.equal(h.obs.log!.count(), 7);
    assert.equal(h.obs.log!.captureCount(), 3);
    const p = h.obs.log!.payloads(ids[9]);
    assert.deepEqual(p?.client_request, { body: '{"i":9,"pad":"xx', truncated: true });
    assert.equal(h.obs.log!.payloads(ids[6]), undefined);
  } finally {
    await h.close();
  }
});

test('a restarted observer continues the cursor after the stored entries', async () => {
  const h = await startHarness({ options: { flushIntervalMs: 60_000 } });
  try {
    for (let i = 0; i < 3; i++) h.obs.observer.finished(makeEntry());
    h.obs.observer.flush();
    const { Observer } = await import('../../src/observe/observer.js');
    const again = new Observer({ ...depsOf(h), log: h.obs.log, stats: h.obs.stats, db: h.obs.db });
    again.finished(makeEntry({ id: 'after-restart' }));
    again.flush();
    assert.equal(h.obs.log!.get('after-restart')?.seq, 4);
    again.close();
  } finally {
    await h.close();
  }
});

function depsOf(h: Awaited<ReturnType<typeof startHarness>>) {
  return { config: () => h.ctx.config.current, logger: h.ctx.logger, metrics: h.obs.metrics, health: h.obs.health, live: h.obs.live };
}

test('stats are written with each flush and answer with counts, tokens and percentiles', async () => {
  const h = await startHarness({ options: { flushIntervalMs: 60_000 } });
  try {
    for (let i = 1; i <= 100; i++) h.obs.observer.finished(makeEntry({ duration_ms: i * 10, status: i <= 5 ? 500 : 200 }));
    h.obs.observer.flush();
    const today = new Date().toISOString().slice(0, 10);
    const [row] = h.obs.stats!.query(today, today, 'downstream');
    assert.equal(row.key, 'anthropic');
    assert.equal(row.requests, 100);
    assert.equal(row.errors, 5);
    assert.equal(row.input_tokens, 1000);
    assert.equal(row.output_tokens, 500);
    assert.ok(row.p50_ms! >= 450 && row.p50_ms! <= 550, `p50 ${row.p50_ms}`);
    assert.ok(row.p95_ms! >= 900 && row.p95_ms! <= 1000, `p95 ${row.p95_ms}`);
  } finally {
    await h.close();
  }
});

test('SQLite failing after start is caught and logged; the ring and captures still answer', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'error' }, { write: (s: string) => lines.push(s) });
  const h = await startHarness({ logger, options: { flushIntervalMs: 60_000 } });
  try {
    h.obs.db!.pragma('query_only = ON'); // every write now fails, as on a full disk
    const e = makeEntry();
    h.obs.observer.finished(e, { client_request: { body: '{"hello":1}', truncated: false } });
    assert.doesNotThrow(() => h.obs.observer.flush());
    assert.match(lines.join(''), /cannot write the request log and statistics/);
    assert.equal(h.obs.observer.page({}, undefined, 10).entries[0].id, e.id);
    assert.deepEqual(h.obs.observer.entry(e.id)?.payloads.client_request, { body: '{"hello":1}', truncated: false });
    assert.match(await h.obs.metrics.text(), /tresor_store_write_errors_total 1/);
    h.obs.db!.pragma('query_only = OFF');
  } finally {
    await h.close();
  }
});

function captureLogger(level = 'info') {
  const lines: string[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: createLogger(level, dest), text: () => lines.join('') };
}

test('one stdout line per request; newlines in client input cannot forge lines', async () => {
  const { logger, text } = captureLogger('info');
  const h = await startHarness({ logger, options: { flushIntervalMs: 60_000 } });
  try {
    const forged = 'evil\n{"level":"error","msg":"forged"}\r\nmore';
    h.obs.observer.finished(makeEntry({ model: forged, path: `/v1/chat/completions${forged}`, error: forged, status: 404, downstream_id: null }));
    h.obs.observer.finished(makeEntry());
    await nextTurn();
    logger.flush();
    await waitFor(() => text().split('\n').filter(Boolean).length >= 2, 2000, 'log lines');
    const lines = text().split('\n').filter(Boolean);
    assert.equal(lines.length, 2);
    const first = JSON.parse(lines[0]) as Record<string, unknown>;
    assert.equal(first.msg, 'request');
    assert.equal(first.level, 'info');
    assert.equal(first.model, forged);
    assert.equal(first.error, forged);
    assert.equal(first.status, 404);
    assert.equal(lines.length, 2, 'each line ends at its own newline');
    assert.ok(!lines.some((l) => JSON.parse(l).msg === 'forged'));
  } finally {
    await h.close();
  }
});

test('the request line is the whole log entry: plugins, attempts and usage included', async () => {
  const { logger, text } = captureLogger('info');
  const h = await startHarness({ logger, options: { flushIntervalMs: 60_000 } });
  try {
    h.obs.observer.finished(makeEntry({ plugins: ['openai2anthropic'] }));
    await nextTurn();
    logger.flush();
    await waitFor(() => text().includes('"msg":"request"'), 2000, 'log line');
    const line = JSON.parse(
      text()
        .split('\n')
        .find((l) => l.includes('"msg":"request"'))!,
    ) as Record<string, unknown>;
    assert.deepEqual(line.plugins, ['openai2anthropic']);
    assert.equal((line.attempts as unknown[]).length, 1);
    assert.equal((line.usage as { input_tokens: number }).input_tokens, 10);
  } finally {
    await h.close();
  }
});

test('warn level keeps request lines off stdout', async () => {
  const { logger, text } = captureLogger('warn');
  const h = await startHarness({ logger, options: { flushIntervalMs: 60_000 } });
  try {
    h.obs.observer.finished(makeEntry());
    await nextTurn();
    logger.flush();
    await new Promise((r) => setTimeout(r, 50));
    assert.doesNotMatch(text(), /"msg":"request"/);
  } finally {
    await h.close();
  }
});

test('closing flushes what is pending and closes the database', async () => {
  const own = tempDir();
  try {
    const dbPath = join(own.dir, 't.db');
    const h = await startHarness({ dbPath, options: { flushIntervalMs: 60_000 } });
    const db = h.obs.db!;
    h.obs.observer.finished(makeEntry({ id: 'last-one' }));
    await h.close();
    assert.equal(db.open, false);
    const again = openDatabaseFile(dbPath, OBSERVE_MIGRATIONS);
    assert.equal(new LogStore(again).get('last-one')?.entry.id, 'last-one');
    again.close();
  } finally {
    own.cleanup();
  }
});

test('upstream failures are classified by kind; client aborts and request errors are not downstream failures', async () => {
  const { upstreamFailures } = await import('../../src/observe/metrics.js');
  const kinds = (over: Parameters<typeof makeEntry>[0]) => upstreamFailures(makeEntry(over)).map(([ds, k]) => `${ds}:${k}`);
  assert.deepEqual(
    kinds({
      status: 200,
      attempts: [
        { downstream_id: 'a', status: 502, error: 'could not reach downstream a: ECONNREFUSED', duration_ms: 1 },
        { downstream_id: 'b', status: 504, error: 'downstream b did not answer within the first-byte timeout', duration_ms: 1 },
        { downstream_id: 'c', status: 429, duration_ms: 1 },
        { downstream_id: 'd', status: 401, duration_ms: 1 },
        { downstream_id: 'e', status: 503, duration_ms: 1 },
        { downstream_id: 'f', status: 200, error: 'empty response', duration_ms: 1 },
        { downstream_id: 'g', status: 200, duration_ms: 1 },
      ],
      downstream_id: 'g',
    }),
    ['a:connect', 'b:timeout', 'c:rate_limit', 'd:auth', 'e:server', 'f:empty'],
  );
  assert.deepEqual(
    kinds({
      status: 200,
      error: 'downstream x ended the stream before it was complete',
      downstream_id: 'x',
      attempts: [{ downstream_id: 'x', status: 200, duration_ms: 9 }],
    }),
    ['x:stream'],
  );
  assert.deepEqual(
    kinds({ status: 200, error: 'client disconnected', downstream_id: 'x', attempts: [{ downstream_id: 'x', status: 200, duration_ms: 9 }] }),
    [],
  );
  assert.deepEqual(
    kinds({ status: 499, error: 'client disconnected', downstream_id: 'x', attempts: [{ downstream_id: 'x', status: 499, duration_ms: 9 }] }),
    [],
  );
  assert.deepEqual(kinds({ status: 404, downstream_id: null }), []);
});
