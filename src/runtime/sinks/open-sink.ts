import { join } from 'node:path';
import { UsageError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { isMysqlUrl } from '../../shared/mysql-session.js';
import { MysqlSink } from './mysql-sink.js';
import { PostgresSink } from './postgres-sink.js';
import { logSchemaOutcome } from './schema-outcome.js';
import type { Sink } from './sink.js';
import { SqliteSink } from './sqlite-sink.js';

/** The database to use: a postgres or mysql/mariadb URL, a SQLite path (or `sqlite:` URL), or the embedded default. */
export function describeDatabase(database: string | undefined, dataDir: string): { kind: 'sqlite' | 'postgres' | 'mysql'; location: string } {
  if (!database) return { kind: 'sqlite', location: join(dataDir, 'streamctl.db') };
  if (/^postgres(ql)?:\/\//i.test(database)) return { kind: 'postgres', location: database };
  if (isMysqlUrl(database)) return { kind: 'mysql', location: database };
  if (database.startsWith('sqlite:')) return { kind: 'sqlite', location: database.slice('sqlite:'.length).replace(/^\/\//, '') };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(database)) {
    throw new UsageError(`--database: unsupported database URL "${database.split('://')[0]}://"`, 'use a SQLite file path, a postgres:// or a mysql:// (mariadb://) URL');
  }
  return { kind: 'sqlite', location: database };
}

/**
 * Opens the sink, creating or adopting its tables (adoption-plan.ts); with a logger, says what
 * that changed, one line per change. Throws UsageError (exit 64) when the database cannot be
 * adopted, or with `noMigrate` would need a change (no-migrate.ts); the engine's own error when it cannot be reached.
 */
export async function openSink(database: string | undefined, dataDir: string, logger?: Logger, options: { noMigrate?: boolean } = {}): Promise<Sink> {
  const target = describeDatabase(database, dataDir);
  if (target.kind === 'mysql') {
    const sink = new MysqlSink(target.location, options);
    try {
      await sink.open();
    } catch (error) {
      await sink.close().catch(() => undefined);
      throw error;
    }
    if (logger && sink.schema) logSchemaOutcome(sink.schema, logger, sink.description);
    return sink;
  }
  if (target.kind === 'postgres') {
    const sink = new PostgresSink(target.location, options);
    await sink.open();
    if (logger && sink.schema) logSchemaOutcome(sink.schema, logger, sink.description);
    return sink;
  }
  const sink = new SqliteSink(target.location, options);
  if (logger) logSchemaOutcome(sink.schema, logger, sink.description);
  return sink;
}
