/**
 * The SQLite write thread (src/store/writer.ts): under load the observer hands its batches to
 * a worker thread with its own connection; what it writes must be exactly what the inline
 * path writes, readable at once after flushed(), complete after close, and a thread that dies
 * must not lose later batches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabaseFile } from '../../src/store/db.js';
import { LogStore } from '../../src/store/log-store.js';
import { OBSERVE_MIGRATIONS } from '../../src/store/schema.js';
import { StatsStore } from '../../src/store/stats-store.js';
import type { StoreWriter } from '../../src/store/writer.js';
import { makeEntry, startHarness, tempDir, waitFor } from './harness.js';

const day = new Date().toISOString().slice(0, 10);

function writerOf(h: Awaited<ReturnType<typeof startHarness>>): StoreWriter {
  return (h.obs.observer as unknown as { writer: StoreWriter }).writer;
}

/** End the write thread as a crash would, and wait for the writer to notice. */
async function killThread(w: StoreWriter): Promise<void> {
  await (w as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
  await waitFor(() => !w.threaded, 3000, 'the writer noticing');
}

test('batches from the threshold on are written by the worker thread: log, stats, in order, visible after flushed()', async () => {
  const h = await startHarness({ options: { flushIntervalMs: 60_000, flushBatchSize: 50, storeWorkerFrom: 50 } });
  try {
    for (let i = 0; i < 20; i++) h.obs.observer.finished(makeEntry({ id: `small-${i}` }));
    await h.obs.observer.flushed();
    assert.equal(writerOf(h).threaded, false, 'a small batch is written on the spot');
    assert.equal(h.obs.log!.count(), 20);

    for (let i = 0; i < 230; i++)
      h.obs.observer.finished(
        makeEntry({
          id: `big-${i}`,
          status: i % 10 === 0 ? 502 : 200,
          usage: { input_tokens: 3, output_tokens: 2, cache_read_tokens: 1, cache_creation_tokens: 0, reasoning_tokens: 0 },
        }),
      );
    await h.obs.observer.flushed();
    assert.equal(writerOf(h).threaded, true, 'a full batch moved the writing to the thread');
    assert.equal(h.obs.log!.count(), 250, 'every entry is in SQLite once flushed() resolves');
    const stats = h.obs.stats!.query(day, day, 'day');
    assert.equal(stats[0].requests, 250);
    assert.equal(stats[0].errors, 23);
    assert.equal(stats[0].input_tokens, 20 * 10 + 230 * 3);
    assert.equal(stats[0].cache_read_tokens, 230);
    // straight from SQLite, newest first, ids in finish order
    const page = h.obs.log!.page({}, undefined, 300);
    assert.deepEqual(
      page.map((r) => r.entry.id),
      [...Array.from({ length: 20 }, (_, i) => `small-${i}`), ...Array.from({ length: 230 }, (_, i) => `big-${i}`)].reverse(),
    );
    assert.equal(h.obs.log!.get('big-117')?.entry.id, 'big-117');
  } finally {
    await h.close();
  }
});

test('closing lets the thread write what it was sent, then ends it', async () => {
  const { dir, cleanup } = tempDir();
  const dbPath = join(dir, 'kept.db');
  try {
    const h = await startHarness({ dbPath, options: { flushIntervalMs: 60_000, flushBatchSize: 100, storeWorkerFrom: 0 } });
    for (let i = 0; i < 1000; i++) h.obs.observer.finished(makeEntry({ id: `c-${i}` }));
    await h.close();
    const db = openDatabaseFile(dbPath, OBSERVE_MIGRATIONS);
    try {
      assert.equal(new LogStore(db).count(), 1000);
      assert.equal(new StatsStore(db).query(day, day, 'model')[0].requests, 1000);
    } finally {
      db.close();
    }
  } finally {
    cleanup();
  }
});

test('a write thread that dies is reported; later batches are written on the daemon thread', async () => {
  const errors: string[] = [];
  const pino = (await import('pino')).default;
  const logger = pino({ level: 'error' }, { write: (s: string) => errors.push(s) });
  const h = await startHarness({ logger, options: { flushIntervalMs: 60_000, flushBatchSize: 10, storeWorkerFrom: 0 } });
  try {
    for (let i = 0; i < 10; i++) h.obs.observer.finished(makeEntry());
    await h.obs.observer.flushed();
    const w = writerOf(h);
    assert.equal(w.threaded, true);
    await killThread(w);
    for (let i = 0; i < 10; i++) h.obs.observer.finished(makeEntry());
    await h.obs.observer.flushed();
    assert.equal(h.obs.log!.count(), 20);
    assert.ok(
      errors.some((l) => l.includes('write thread stopped')),
      errors.join('\n'),
    );
  } finally {
    await h.close();
  }
});

test('retention runs on the write thread while it is active: the count limit holds once flushed() resolves', async () => {
  const h = await startHarness({
    yaml: 'log_max_entries: 300\n',
    options: { flushIntervalMs: 60_000, flushBatchSize: 100, storeWorkerFrom: 0, pruneIntervalMs: 3_600_000 },
  });
  try {
    for (let i = 0; i < 1000; i++) h.obs.observer.finished(makeEntry({ id: `p-${i}` }));
    await h.obs.observer.flushed();
    assert.equal(writerOf(h).threaded, true);
    assert.equal(h.obs.log!.count(), 1000);
    h.obs.observer.prune();
    await h.obs.observer.flushed();
    assert.equal(h.obs.log!.count(), 300);
    assert.equal(h.obs.log!.page({}, undefined, 1)[0].entry.id, 'p-999', 'the newest are kept');
    assert.equal(h.obs.log!.get('p-699'), undefined);
    assert.equal(h.obs.log!.get('p-700')?.entry.id, 'p-700');
  } finally {
    await h.close();
  }
});

/**
 * An observer whose logger writes JSON lines to a file as the daemon's does to stdout
 * (pino.destination), with the request lines read back and what the daemon's own thread
 * wrote through the logger.
 */
async function startWithStdoutFile(options: NonNullable<Parameters<typeof startHarness>[0]>['options']) {
  const pino = (await import('pino')).default;
  const { readFileSync } = await import('node:fs');
  const { dir, cleanup } = tempDir();
  const file = join(dir, 'stdout.log');
  const dest = pino.destination({ dest: file, sync: true });
  let written = '';
  const write = dest.write.bind(dest);
  dest.write = (s: string) => {
    written += s;
    return write(s);
  };
  const h = await startHarness({ logger: pino({ level: 'info' }, dest), options });
  const lines = () =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    h,
    fromDaemonThread: () => written,
    requests: () => lines().filter((l) => l.msg === 'request'),
    async close() {
      await h.close();
      cleanup();
    },
  };
}

test('with the write thread running, it writes the stdout request lines: each once, in order, after those written before on the daemon thread', async () => {
  const out = await startWithStdoutFile({ flushIntervalMs: 60_000, flushBatchSize: 50, storeWorkerFrom: 50 });
  const { h } = out;
  try {
    for (let i = 0; i < 60; i++) h.obs.observer.finished(makeEntry({ id: `early-${i}` }));
    await h.obs.observer.flushed();
    assert.equal(writerOf(h).threaded, true, 'the full batch started the thread');
    // from now on the thread has the lines: two batches of 50, and 7 left for the timer or close
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < (round < 2 ? 50 : 7); i++) h.obs.observer.finished(makeEntry({ id: `late-${round * 50 + i}`, model: `m"${round}\n` }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await h.obs.observer.flushed();
    // (the daemon thread's lines wait up to 50 ms to go out together)
    await waitFor(() => out.requests().length >= 167, 3000, 'the request lines');
    const requests = out.requests();
    assert.deepEqual(
      requests.map((l) => l.id),
      [...Array.from({ length: 60 }, (_, i) => `early-${i}`), ...Array.from({ length: 107 }, (_, i) => `late-${i}`)],
    );
    assert.ok(requests.every((l) => l.level === 'info' && typeof l.time === 'string'));
    assert.equal(requests[60].model, 'm"0\n', 'escapes survive the trip through the chunk');
    assert.ok(out.fromDaemonThread().includes('early-59'), 'lines before the thread started were written by the daemon thread');
    assert.ok(!out.fromDaemonThread().includes('late-'), 'later ones by the write thread');
    assert.equal(h.obs.log!.count(), 167);
  } finally {
    await out.close();
  }
});

test('stdout request lines left to a write thread that dies are written on the daemon thread, none lost or doubled', async () => {
  const out = await startWithStdoutFile({ flushIntervalMs: 60_000, flushBatchSize: 10, storeWorkerFrom: 0 });
  const { h } = out;
  try {
    for (let i = 0; i < 10; i++) h.obs.observer.finished(makeEntry({ id: `a-${i}` }));
    await h.obs.observer.flushed();
    const w = writerOf(h);
    assert.equal(w.threaded, true);
    // left to the thread (5 < the batch size: they wait for a flush)…
    for (let i = 0; i < 5; i++) h.obs.observer.finished(makeEntry({ id: `b-${i}` }));
    await new Promise((resolve) => setImmediate(resolve));
    await killThread(w);
    // …and, the thread gone, written here at the next turn with the new ones
    for (let i = 0; i < 5; i++) h.obs.observer.finished(makeEntry({ id: `c-${i}` }));
    await h.obs.observer.flushed();
    await waitFor(() => out.requests().length >= 20, 3000, 'the request lines');
    const ids = out.requests().map((l) => l.id);
    assert.deepEqual(ids, [
      ...Array.from({ length: 10 }, (_, i) => `a-${i}`),
      ...Array.from({ length: 5 }, (_, i) => `b-${i}`),
      ...Array.from({ length: 5 }, (_, i) => `c-${i}`),
    ]);
    assert.equal(h.obs.log!.count(), 20);
  } finally {
    await out.close();
  }
});

test("the write thread hands each batch's buffer back, and the next batch is written into it", async () => {
  const h = await startHarness({ options: { flushIntervalMs: 60_000, flushBatchSize: 100, storeWorkerFrom: 0 } });
  try {
    const spare = (): ArrayBuffer[] => (h.obs.observer.ring as unknown as { spare: ArrayBuffer[] }).spare;
    for (let i = 0; i < 100; i++) h.obs.observer.finished(makeEntry({ id: `a-${i}` }));
    await h.obs.observer.flushed();
    assert.equal(writerOf(h).threaded, true);
    assert.equal(spare().length, 1, 'the first batch came back');
    const back = spare()[0];
    assert.equal(back.byteLength > 0, true, 'usable, not detached');
    for (let i = 0; i < 100; i++) h.obs.observer.finished(makeEntry({ id: `b-${i}`, error: 'é'.repeat(i % 5) }));
    h.obs.observer.flush();
    assert.equal(spare().length, 0, 'the second batch took it');
    assert.equal(back.byteLength, 0, 'and sent it to the thread again');
    await h.obs.observer.flushed();
    assert.equal(spare().length, 1);
    assert.equal(h.obs.log!.count(), 200);
    assert.equal(h.obs.log!.get('b-99')?.entry.error, 'é'.repeat(4));
    assert.equal(h.obs.log!.get('a-0')?.entry.id, 'a-0');
  } finally {
    await h.close();
  }
});
