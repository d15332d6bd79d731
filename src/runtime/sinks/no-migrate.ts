import { UsageError } from '../../shared/errors.js';
import type { AdoptionPlan } from './adoption-plan.js';

/**
 * `serve --no-migrate`: the operator owns the schema, so a plan that would change anything is
 * refused, naming each change (the plan's own change lines) so a DBA can make them. Returns
 * nothing when the database already is as serve needs it. Pure.
 */
export function noMigrateRefusal(description: string, plan: AdoptionPlan): UsageError | undefined {
  if (plan.statements.length === 0) return undefined;
  return new UsageError(
    `--no-migrate: ${description} is missing what streamctl needs: ${plan.changes.join('; ')}`,
    `run these statements (or start once without --no-migrate): ${plan.statements.join('; ')}`,
  );
}
