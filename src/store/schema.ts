import { LATENCY_BUCKETS } from '../observe/histogram.js';
import type { Migration } from './db.js';

/** Column names of the latency histogram in stats_daily: h00 … h34. */
export const HIST_COLUMNS: readonly string[] = Array.from({ length: LATENCY_BUCKETS }, (_, i) => `h${String(i).padStart(2, '0')}`);

/**
 * Request log, captured payloads and daily usage aggregates.
 *
 * - request_log.seq is the paging cursor (assigned by the observer in finish order);
 *   the entry itself is stored as JSON so the log shape can grow without migrations.
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
];
