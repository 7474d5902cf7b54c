/**
 * The database write thread (see StoreWriter): its own connection to the daemon's SQLite file,
 * writing the batches it is sent in order, each in one transaction, and acknowledging each.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorText, openDatabaseFile } from './db.js';
import { LogStore } from './log-store.js';
import { OBSERVE_MIGRATIONS } from './schema.js';
import { StatsStore } from './stats-store.js';
import { writeLinesSync } from '../util/fd-write.js';
import { ScratchBuffer } from '../util/scratch-buffer.js';
import { batchLines, PRUNE_LOG, pruneStore, transferables, WRITE_LOG, writeBatch, type FromWorker, type ToWorker } from './writer.js';

const port = parentPort;
if (!port) throw new Error('write-worker runs as a worker thread');
// The daemon applied the migrations already; opening checks them and sets the same pragmas.
const db = openDatabaseFile((workerData as { file: string }).file, OBSERVE_MIGRATIONS);
const log = new LogStore(db);
const stats = new StatsStore(db);
const lineScratch = new ScratchBuffer();

port.on('message', (m: ToWorker) => {
  if (m.kind === 'close') {
    db.close();
    port.close();
    return;
  }
  let linesError: string | undefined;
  if (m.kind === 'write' && m.batch.lines) {
    // first, so that the lines wait for nothing
    try {
      writeLinesSync(m.batch.lines.fd, batchLines(m.batch, lineScratch));
    } catch (e) {
      linesError = errorText(e);
    }
  }
  const what = m.kind === 'write' ? WRITE_LOG : PRUNE_LOG;
  let error: string | undefined;
  try {
    if (m.kind === 'write') writeBatch(db, log, stats, m.batch);
    else pruneStore(log, stats, m.limits);
  } catch (e) {
    error = errorText(e);
  }
  // the chunks' buffers go back to be filled again (SQLite and the lines copied what they need):
  // a fresh ~100 KB buffer a batch, allocated there and freed here, cost both threads page
  // faults and the allocator's trimming
  const buffers = m.kind === 'write' ? transferables(m.batch) : [];
  port.postMessage({ kind: 'written', id: m.id, what, error, linesError, buffers } satisfies FromWorker, buffers);
});
