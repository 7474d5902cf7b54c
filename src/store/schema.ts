import { LATENCY_BUCKETS } from '../observe/histogram.js';
import type { Db, Migration } from './db.js';
import type { LogEntry } from '../observe/types.js';
import { CHUNK_ENTRIES, LogStore, type LogRecord } from './log-store.js';

/** Column names of the latency histogram in stats_daily: h00 … h34. */
export const HIST_COLUMNS: readonly string[] = Array.from({ length: LATENCY_BUCKETS }, (_, i) => `h${String(i).padStart(2, '0')}`);

/**
 * Request log, captured payloads and daily usage aggregates.
 *
 * - request_log_chunks holds the request log, up to CHUNK_ENTRIES entries a row (see
 *   LogStore); seq is the paging cursor (assigned by the observer in finish order) and each
 *   entry is stored as JSON so the log shape can grow without migrations. (observe-001's
 *   request_log, a row per entry, is moved into it by observe-003.)
 * - stats_daily is keyed day × model × downstream × client (missing values as ''), WITHOUT
 *   ROWID so the primary key is the table and day-range scans read it in order.
 */
export const OBSERVE_MIGRATIONS: readonly Migration[] = [
  {
    id: 'observe-001-request-log',
    up: `
      CREATE TABLE request_log (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        time_ms INTEGER NOT NULL,
        model TEXT,
        downstream_id TEXT,
        status INTEGER NOT NULL,
        entry TEXT NOT NULL
      );
      CREATE INDEX request_log_time ON request_log (time_ms);
      CREATE INDEX request_log_model ON request_log (model, seq);
      CREATE INDEX request_log_downstream ON request_log (downstream_id, seq);
      CREATE INDEX request_log_status ON request_log (status, seq);
      CREATE TABLE captured_payloads (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        payloads TEXT NOT NULL
      );
    `,
  },
  {
    id: 'observe-002-stats-daily',
    up: `
      CREATE TABLE stats_daily (
        day TEXT NOT NULL,
        model TEXT NOT NULL,
        downstream TEXT NOT NULL,
        client TEXT NOT NULL,
        requests INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        cache_read_tokens INTEGER NOT NULL DEFAULT 0,
        cache_creation_tokens INTEGER NOT NULL DEFAULT 0,
        reasoning_tokens INTEGER NOT NULL DEFAULT 0,
        duration_sum_ms INTEGER NOT NULL DEFAULT 0,
        min_ms INTEGER NOT NULL,
        max_ms INTEGER NOT NULL,
        ${HIST_COLUMNS.map((c) => `${c} INTEGER NOT NULL DEFAULT 0`).join(',\n        ')},
        PRIMARY KEY (day, model, downstream, client)
      ) WITHOUT ROWID;
    `,
  },
  {
    id: 'observe-003-request-log-chunks',
    up: (db: Db) => {
      db.exec(`
        CREATE TABLE request_log_chunks (
          first_seq INTEGER PRIMARY KEY,
          last_seq INTEGER NOT NULL,
          n INTEGER NOT NULL,
          min_ms INTEGER NOT NULL,
          max_ms INTEGER NOT NULL,
          models TEXT NOT NULL,
          downstreams TEXT NOT NULL,
          min_status INTEGER NOT NULL,
          max_status INTEGER NOT NULL,
          entries TEXT NOT NULL
        );
      `);
      moveRowsToChunks(db);
      db.exec('DROP TABLE request_log');
    },
  },
];

/** observe-003: copy observe-001's one-row-per-entry log into chunks, oldest first. */
function moveRowsToChunks(db: Db): void {
  const store = new LogStore(db);
  const rows = db.prepare<[], { seq: number; entry: string }>('SELECT seq, entry FROM request_log ORDER BY seq');
  let batch: LogRecord[] = [];
  for (const r of rows.all()) {
    batch.push({ seq: r.seq, entry: JSON.parse(r.entry) as LogEntry, json: r.entry });
    if (batch.length === CHUNK_ENTRIES) {
      store.insertMany(batch);
      batch = [];
    }
  }
  store.insertMany(batch);
}
