import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { expandHome } from '../util/paths.js';

export type Db = Database.Database;

/** One schema step. `id` is unique across every module that migrates this database. */
export interface Migration {
  id: string;
  up: string | ((db: Db) => void);
}

export interface OpenedDatabase {
  db: Db;
  /** Absolute file path, or ':memory:' when the file could not be used. */
  path: string;
  /** True when the file could not be opened and data lives only in memory. */
  inMemory: boolean;
}

/**
 * Where the database file lives: `~` expands to the home folder; a relative path is taken
 * relative to the config file's folder (so the daemon finds the same file from any cwd).
 */
export function resolveDbPath(dbPath: string, configPath: string): string {
  if (dbPath === ':memory:') return dbPath;
  const p = expandHome(dbPath);
  return isAbsolute(p) ? p : resolve(dirname(configPath), p);
}

/**
 * Open (creating if needed) the SQLite database at `file` in WAL mode, with the file and its
 * -wal/-shm companions at mode 0600, and run `migrations`. Throws on any failure.
 */
export function openDatabaseFile(file: string, migrations: readonly Migration[]): Db {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // SQLite gives the -wal/-shm files the main file's permissions, so create it 0600 first.
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
  }
  const db = new Database(file);
  try {
    // Large pages for a new file (an existing one keeps its own): the request log is written in
    // rows of ~70 KB, and each page costs a write system call to the WAL and another at the
    // checkpoint, so 64 KiB pages make a flush a few writes instead of a hundred.
    db.pragma('page_size = 65536');
    db.pragma('journal_mode = WAL');
    // 256 pages of 64 KiB: a checkpoint every 16 MiB of log (the default 1000 pages suits 4 KiB pages).
    db.pragma('wal_autocheckpoint = 256');
    // NORMAL in WAL mode: a crash may lose the last commits, never corrupts the file.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 2000');
    db.pragma('foreign_keys = ON');
    applyMigrations(db, migrations);
    if (file !== ':memory:') restrictCompanionFiles(file);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/**
 * Open the configured database; when that fails (unwritable folder, corrupt file, disk
 * full) log why and fall back to an in-memory database, so the daemon keeps serving with
 * history that lasts until it stops.
 */
export function openDatabase(file: string, migrations: readonly Migration[], logger: Logger): OpenedDatabase {
  try {
    return { db: openDatabaseFile(file, migrations), path: file, inMemory: file === ':memory:' };
  } catch (e) {
    logger.error({ err: errorText(e), db_path: file }, 'cannot open the database; request log and statistics are kept in memory only');
    return { db: openDatabaseFile(':memory:', migrations), path: ':memory:', inMemory: true };
  }
}

/** Apply the migrations not yet recorded in the `migrations` table, each in its own transaction. */
export function applyMigrations(db: Db, migrations: readonly Migration[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const done = new Set(
    db
      .prepare<[], { id: string }>('SELECT id FROM migrations')
      .all()
      .map((r) => r.id),
  );
  const record = db.prepare('INSERT INTO migrations (id, applied_at) VALUES (?, ?)');
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      record.run(m.id, Date.now());
    })();
  }
}

function restrictCompanionFiles(file: string): void {
  for (const suffix of ['-wal', '-shm']) {
    const p = file + suffix;
    if (existsSync(p)) chmodSync(p, 0o600);
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
