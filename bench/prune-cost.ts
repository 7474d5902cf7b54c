/**
 * `node --import tsx bench/prune-cost.ts [kept=100000] [added=180000] [rounds=4]`: what the
 * request log's retention run costs the write thread (issue 5). A SQLite file holds `kept`
 * entries (log_max_entries), then `added` more arrive (a minute at 3,000 requests/s) and the
 * prune drops them again, `rounds` times; printed: the prune's time, per dropped entry, and
 * a prune with nothing to drop. Entries are the benchmark's streamed openai → anthropic ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabaseFile } from '../src/store/db.js';
import { CHUNK_ENTRIES, LogStore } from '../src/store/log-store.js';
import { OBSERVE_MIGRATIONS } from '../src/store/schema.js';
import { benchEntry } from './lib/entries.js';

const kept = Number(process.argv[2] ?? 100_000);
const added = Number(process.argv[3] ?? 180_000);
const rounds = Number(process.argv[4] ?? 4);

const dir = mkdtempSync(join(tmpdir(), 'tresor-prune-cost-'));
const db = openDatabaseFile(join(dir, 'tresor.db'), OBSERVE_MIGRATIONS);
const log = new LogStore(db);
let seq = 0;

/** `n` entries more, in chunks as the observer writes them. */
function fill(n: number): void {
  db.transaction(() => {
    for (let k = 0; k < n; k += CHUNK_ENTRIES)
      log.insertMany(Array.from({ length: Math.min(CHUNK_ENTRIES, n - k) }, () => ({ seq: ++seq, entry: benchEntry(true) })));
  })();
}

try {
  fill(kept);
  const limits = () => ({ maxEntries: kept, retentionDays: 30, now: Date.now() });
  process.stdout.write(`prune of ${added} entries over a log of ${kept} (${CHUNK_ENTRIES} entries a row)\n`);
  for (let r = 0; r < rounds; r++) {
    fill(added);
    let t = performance.now();
    const dropped = log.pruneEntries(limits());
    const ms = performance.now() - t;
    t = performance.now();
    log.pruneEntries(limits());
    const idle = performance.now() - t;
    process.stdout.write(
      `  dropped ${dropped} in ${ms.toFixed(1)} ms (${((ms * 1000) / dropped).toFixed(2)} µs an entry); nothing to drop: ${idle.toFixed(1)} ms\n`,
    );
  }
} finally {
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
