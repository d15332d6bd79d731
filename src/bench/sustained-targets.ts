/**
 * Where the sustained section points serve, one database at a time: SQLite (serve's default file
 * in each run's data directory), or a database the bench created on its own throwaway
 * PostgreSQL or MariaDB (bench-postgres.ts, bench-mariadb.ts). Every run starts from an empty
 * table: a fresh data directory for SQLite, a fresh database (dropped after) for the others.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startBenchMariadb } from './bench-mariadb.js';
import { startBenchPostgres } from './bench-postgres.js';
import { benchDatabaseName, type BenchDbServer } from './db-server.js';
import type { Resources } from './resources.js';
import { RowWatcher } from './row-watcher.js';
import { SqlRowWatcher, type WatchesRows } from './sql-row-watcher.js';
import type { BenchDatabase } from './types.js';

/** One run's database: serve's extra arguments, the watcher on its rows, and the clean-up after serve stopped. */
export interface RunDatabase {
  serveArgs: string[];
  watcher: WatchesRows;
  /** Closes the watcher and drops the run's database (bounded by the drivers' timeouts). */
  release(): Promise<void>;
}

export interface SustainedTarget {
  database: BenchDatabase;
  version: string;
  settings: string;
  /** The database server's main process, whose CPU (with its children's) the runs report; undefined for SQLite (inside serve). */
  serverPid: number | undefined;
  /** Prepares one run whose serve uses `dataDir`. */
  prepareRun(dataDir: string, pollMs: number): Promise<RunDatabase>;
  /** Stops the server, if there is one. */
  stop(): Promise<void>;
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return `SQLite ${(db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v}`;
  } finally {
    db.close();
  }
}

function sqliteTarget(): SustainedTarget {
  return {
    database: 'sqlite',
    version: sqliteVersion(),
    settings: 'journal_mode=WAL, synchronous=NORMAL (serve\'s own)',
    serverPid: undefined,
    async prepareRun(dataDir, pollMs) {
      const watcher = new RowWatcher(join(dataDir, 'streamctl.db'), pollMs);
      return { serveArgs: [], watcher, release: async () => watcher.close() };
    },
    stop: async () => undefined,
  };
}

function serverTarget(database: BenchDatabase, server: BenchDbServer): SustainedTarget {
  let runs = 0;
  return {
    database,
    version: server.version,
    settings: server.settings,
    serverPid: server.pid || undefined,
    async prepareRun(_dataDir, pollMs) {
      const name = benchDatabaseName('sustained', ++runs);
      const url = await server.createDatabase(name);
      let watcher: SqlRowWatcher;
      try {
        watcher = new SqlRowWatcher(await server.rowSource(name), pollMs);
      } catch (error) {
        await server.dropDatabase(name).catch(() => undefined);
        throw error;
      }
      return {
        serveArgs: ['--database', url],
        watcher,
        async release() {
          await watcher.close().catch(() => undefined);
          // A leftover database only costs disk until the server's directory is removed.
          await server.dropDatabase(name).catch(() => undefined);
        },
      };
    },
    stop: () => server.stop(),
  };
}

/**
 * Starts what `database` needs. Throws MissingBinariesError (db-server.ts) when its server is
 * not installed, the server's own error when it does not start.
 */
export async function startSustainedTarget(database: BenchDatabase, resources: Resources): Promise<SustainedTarget> {
  if (database === 'sqlite') return sqliteTarget();
  const server = database === 'postgres' ? await startBenchPostgres(resources) : await startBenchMariadb(resources);
  return serverTarget(database, server);
}
