import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { get, makeEntry, startHarness, tempDir } from './harness.js';

test('an unopenable db_path is logged and the daemon keeps a working in-memory log and stats', async () => {
  const own = tempDir();
  const lines: string[] = [];
  const logger = pino({ level: 'error' }, { write: (s: string) => lines.push(s) });
  const blocker = join(own.dir, 'not-a-folder');
  writeFileSync(blocker, 'x');
  const h = await startHarness({ logger, dbPath: join(blocker, 'tresor.db') });
  try {
    assert.match(lines.join(''), /cannot open the database/);
    assert.equal(h.obs.dbInMemory, true);
    assert.ok(h.ctx.services.db instanceof Database, 'sessions still have a database');
    const e = makeEntry({ model: 'mem-model' });
    h.obs.observer.finished(e, { client_request: { body: '{}', truncated: false } });
    const page = (await get(`${h.url}/api/logs`)).json() as { entries: { id: string }[] };
    assert.deepEqual(
      page.entries.map((x) => x.id),
      [e.id],
    );
    const stats = (await get(`${h.url}/api/stats?group_by=model`)).json() as { rows: { key: string; requests: number }[] };
    assert.deepEqual(stats.rows, [{ ...stats.rows[0], key: 'mem-model', requests: 1 }]);
    const one = (await get(`${h.url}/api/logs/${e.id}`)).json() as { payloads: { client_request: unknown } };
    assert.deepEqual(one.payloads.client_request, { body: '{}', truncated: false });
  } finally {
    await h.close();
    own.cleanup();
  }
});

test('a corrupt database file does not stop the daemon', async () => {
  const own = tempDir();
  const file = join(own.dir, 'broken.db');
  writeFileSync(file, Buffer.alloc(4096, 0xab));
  const h = await startHarness({ dbPath: file });
  try {
    assert.equal(h.obs.dbInMemory, true);
    h.obs.observer.finished(makeEntry());
    h.obs.observer.flush();
    assert.equal((await get(`${h.url}/api/logs`)).status, 200);
  } finally {
    await h.close();
    own.cleanup();
  }
});
