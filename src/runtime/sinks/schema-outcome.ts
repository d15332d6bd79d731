import { SETTING, storedTimeOf } from '../../shared/database-settings.js';
import { UsageError, errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { StoredTime } from '../../shared/stored-time.js';
import type { AdoptionPlan, AdoptionRefusal } from './adoption-plan.js';

/** What opening a database did to its schema, and how its rows' times are written. */
export interface SchemaOutcome {
  /** One line per change made (empty on every start after the first). */
  changes: readonly string[];
  warnings: readonly string[];
  time: StoredTime;
}

export function outcomeOf(plan: AdoptionPlan): SchemaOutcome {
  const settings = new Map<string, string>([[SETTING.timeFormat, plan.time.format]]);
  if (plan.time.zone) settings.set(SETTING.timeZone, plan.time.zone);
  return { changes: plan.changes, warnings: plan.warnings, time: storedTimeOf(settings) };
}

/**
 * Exit 64 (usage or configuration): the database given is not one serve can write into as it
 * is; retrying cannot help, changing the database or the flag can.
 */
export function refusalError(description: string, refusal: AdoptionRefusal): UsageError {
  return new UsageError(`cannot adopt ${description}: ${refusal.reason}`, refusal.hint);
}

/**
 * A planned statement the database refused because of its content: creating the unique ingest
 * index over ingest ids stored twice. The transaction rolled back, so nothing was changed.
 */
export function statementRefused(description: string, statement: string, error: unknown): UsageError {
  return new UsageError(
    `cannot adopt ${description}: ${statement} failed: ${errorMessage(error)}`,
    'the rows already there break what streamctl needs (ingest ids stored twice?); nothing was changed',
  );
}

export function logSchemaOutcome(outcome: SchemaOutcome, logger: Logger, database: string): void {
  for (const change of outcome.changes) logger.info(`database schema: ${change}`, { database });
  for (const warning of outcome.warnings) logger.warn(`database schema: ${warning}`, { database });
}
