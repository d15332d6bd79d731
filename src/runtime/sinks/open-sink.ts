import { join } from 'node:path';
import { UsageError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { PostgresSink } from './postgres-sink.js';
import { logSchemaOutcome } from './schema-outcome.js';
import type { Sink } from './sink.js';
import { SqliteSink } from './sqlite-sink.js';

/** The database to use: a postgres URL, a SQLite path (or `sqlite:` URL), or the embedded default. */
export function describeDatabase(database: string | undefined, dataDir: string): { kind: 'sqlite' | 'postgres'; location: string } {
  if (!database) return { kind: 'sqlite', location: join(dataDir, 'streamctl.db') };
  if (/^postgres(ql)?:\/\//i.test(database)) return { kind: 'postgres', location: database };
  if (database.startsWith('sqlite:')) return { kind: 'sqlite', location: database.slice('sqlite:'.length).replace(/^\/\//, '') };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(database)) {
    throw new UsageError(`--database: unsupported database URL "${database.split('://')[0]}://"`, 'use a SQLite file path or a postgres:// URL');
  }
  return { kind: 'sqlite', location: database };
}

/**
 * Opens the sink, creating or adopting its tables (adoption-plan.ts); with a logger, says what
 * that changed, one line per change. Throws UsageError (exit 64) when the database cannot be
 * adopted; the engine's own error when it cannot be reached.
 */
export async function openSink(database: string | undefined, dataDir: string, logger?: Logger): Promise<Sink> {
  const target = describeDatabase(database, dataDir);
  if (target.kind === 'postgres') {
    const sink = new PostgresSink(target.location);
    await sink.open();
    if (logger && sink.schema) logSchemaOutcome(sink.schema, logger, sink.description);
    return sink;
  }
  const sink = new SqliteSink(target.location);
  if (logger) logSchemaOutcome(sink.schema, logger, sink.description);
  return sink;
}
