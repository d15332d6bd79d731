import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { silentLogger } from '../../src/shared/logger.js';
import type { ServeOptions } from '../../src/runtime/options.js';
import { startService, type RunningService, type ServiceHooks } from '../../src/runtime/service.js';

export interface TestService extends RunningService {
  readonly dataDir: string;
  /** Rows of a table in the service's SQLite file, read through a separate connection. */
  rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  count(table: string, where?: string): number;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any; headers: Headers }>;
  get(path: string): Promise<{ status: number; json: any; text: string }>;
  cleanup(): Promise<void>;
}

function jsonOrUndefined(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A real `streamctl serve` in this process: embedded redis-server (or the given URL) and a SQLite file. */
export async function startTestService(options: Partial<ServeOptions> = {}, hooks: ServiceHooks = {}): Promise<TestService> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'streamctl-serve-'));
  const service = await startService({ port: 0, dataDir, claimIdleMs: 1_000, flushIntervalMs: 200, shutdownTimeoutMs: 10_000, ...options }, { logger: silentLogger, ...hooks });
  let db: Database.Database | undefined;
  const open = () => (db ??= new Database(service.databasePath, { readonly: true, fileMustExist: true }));
  return Object.assign(Object.create(null), service, {
    url: service.url,
    port: service.port,
    redisUrl: service.redisUrl,
    databasePath: service.databasePath,
    context: service.context,
    close: service.close,
    dataDir,
    rows: (sql: string, ...params: unknown[]) => open().prepare(sql).all(...params),
    count: (table: string, where = '1=1') => (open().prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n,
    async post(path: string, body: unknown, headers: Record<string, string> = {}) {
      const response = await fetch(service.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, json: jsonOrUndefined(await response.text()), headers: response.headers };
    },
    async get(path: string) {
      const response = await fetch(service.url + path);
      const text = await response.text();
      return { status: response.status, json: jsonOrUndefined(text), text };
    },
    async cleanup() {
      db?.close();
      await service.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  }) as TestService;
}

/** Polls until `check` holds; bounded, so a broken path fails the test instead of hanging it. */
export async function eventually<T>(check: () => T | Promise<T>, { timeoutMs = 15_000, everyMs = 50 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
