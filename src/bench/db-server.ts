/**
 * A throwaway database server the bench owns (bench-postgres.ts, bench-mariadb.ts): started once
 * per section into a temporary directory on a free loopback port, one fresh database per run so
 * every run starts from an empty table as SQLite's fresh data directory does, stopped after.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Stoppable } from './resources.js';
import type { RowSource } from './sql-row-watcher.js';

export interface BenchDbServer extends Stoppable {
  /** "PostgreSQL 15.8", "MariaDB 10.11.6": the server's own answer. */
  readonly version: string;
  /** The server's main process (postmaster, mariadbd): its CPU and its children's is the database's. */
  readonly pid: number;
  /** Durability settings the server runs with, for the report. */
  readonly settings: string;
  /** Creates an empty database `name` and returns the URL serve gets as `--database`. */
  createDatabase(name: string): Promise<string>;
  /** Drops it (serve stopped first); errors are the caller's to ignore. */
  dropDatabase(name: string): Promise<void>;
  /** A row source on database `name` (its own connection). */
  rowSource(name: string): Promise<RowSource>;
}

/** The server's binaries are not installed: the database is reported as not measured. */
export class MissingBinariesError extends Error {
  override name = 'MissingBinariesError';
}

/** The first `dir/name` that exists, or undefined. */
export function findBinary(names: readonly string[], dirs: readonly string[]): string | undefined {
  for (const dir of dirs) for (const name of names) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/** Runs a command to completion, bounded by `timeoutMs` (killed after); rejects with its output. */
export function runBounded(file: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { cwd, timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${[file, ...args].join(' ')} failed: ${error.message}\n${(stderr || stdout).slice(-2_000)}`));
      else resolve(stdout);
    });
  });
}

/** uid and gid of a system user (`postgres`, `mysql`), for handing a root-owned directory over. */
export async function userIds(user: string, cwd: string): Promise<{ uid: number; gid: number }> {
  const ids = await runBounded('id', [user], cwd, 5_000);
  return { uid: Number(/uid=(\d+)/.exec(ids)?.[1]), gid: Number(/gid=(\d+)/.exec(ids)?.[1]) };
}

/** `bench_<label>_<n>`: a database name both engines take unquoted. */
export function benchDatabaseName(label: string, n: number): string {
  return `bench_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${n}`;
}
