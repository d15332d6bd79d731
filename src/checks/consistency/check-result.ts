import type { Kind, Path } from '../layout.js';

/**
 * A check's phase (design §2, after Argo Rollouts): ok; warn (counts only with --strict);
 * fail (data lost or duplicated); inconclusive (cannot judge yet, e.g. work older than the grace
 * still in flight).
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'inconclusive';

export interface CheckResult {
  id: string;
  path?: Path;
  kind?: Kind;
  stream?: string;
  status: CheckStatus;
  /** One line a human reads first: what was found, with the number that matters. */
  message: string;
  observed: Record<string, unknown>;
  threshold: Record<string, unknown>;
  samples?: unknown[];
}

export type Verdict = 'consistent' | 'inconsistent' | 'could_not_check' | 'inconclusive';

export const VERDICT_EXIT: Record<Verdict, number> = {
  consistent: 0,
  inconsistent: 1,
  could_not_check: 2,
  inconclusive: 3,
};

/**
 * A failure outranks inconclusive: a record known lost is news even while other work is still in
 * flight. --strict turns every warning into a failure.
 */
export function verdictOf(checks: readonly CheckResult[], strict: boolean): Verdict {
  const effective = checks.map((c) => (strict && c.status === 'warn' ? 'fail' : c.status));
  if (effective.includes('fail')) return 'inconsistent';
  if (effective.includes('inconclusive')) return 'inconclusive';
  return 'consistent';
}
