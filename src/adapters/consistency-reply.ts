import type { ConsistencyResult, ConsistencyVerdict } from '../ports/consistency-gate.js';
import { bodyError } from './admin-api-errors.js';
import { isOriginalConsistencyDocument, judgeOriginalConsistency, ORIGINAL_CONSISTENCY_FIELDS } from './original-consistency.js';

/** The `verdict` values of streamctl serve's document (`streamctl.consistency/v1`) the gate takes as they are. */
const SERVE_VERDICTS: ReadonlySet<string> = new Set(['consistent', 'inconclusive', 'inconsistent', 'error']);

/** What the message names when a 200 body is neither document, so the reader can tell which side is wrong. */
const EXPECTED =
  `streamctl serve's document (schema streamctl.consistency/v1: verdict, summary, checks) ` +
  `or the original service's verify_database_consistency() (${ORIGINAL_CONSISTENCY_FIELDS.join(', ')})`;

/**
 * Pure: a `GET /api/consistency` reply -> the gate's result. The two services answer differently:
 *   - 404: the target has no such endpoint (the seed's own service): skipped, never a pass.
 *   - streamctl serve: `{schema, verdict, summary: {ok, warn, fail, inconclusive}, checks: [...]}`,
 *     200 for every verdict it reached, 503 for could_not_check (consistency-endpoint.ts).
 *   - the original's harness: 200 with the dict of db_consistency.py (original-consistency.ts),
 *     500 `{error}` when the query failed.
 * A 200 that is neither is an error: passing on a document nobody can read would be a silent pass.
 */
export function readConsistencyReply(status: number, body: unknown): ConsistencyResult {
  if (status === 404) return { verdict: 'skipped', summary: 'the target has no /api/consistency' };
  const doc = (typeof body === 'object' && body !== null ? body : {}) as { verdict?: unknown; summary?: unknown; checks?: unknown };
  if (typeof doc.verdict === 'string' && SERVE_VERDICTS.has(doc.verdict)) {
    return { verdict: doc.verdict as ConsistencyVerdict, summary: typeof doc.summary === 'string' ? doc.summary : describeServeDocument(doc) };
  }
  if (status === 200 && isOriginalConsistencyDocument(body)) return judgeOriginalConsistency(body);
  if (status === 200) {
    return { verdict: 'error', summary: `GET /api/consistency answered 200 with a document streamctl does not know (${describeKeys(body)}); expected ${EXPECTED}` };
  }
  return { verdict: 'error', summary: `GET /api/consistency answered ${status}: ${bodyError(body)}` };
}

function describeKeys(body: unknown): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return `a JSON ${body === null ? 'null' : Array.isArray(body) ? 'array' : typeof body}`;
  const keys = Object.keys(body);
  return keys.length === 0 ? 'an empty object' : `fields: ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? ', ...' : ''}`;
}

interface CheckLine {
  status?: unknown;
  message?: unknown;
  kind?: unknown;
}

/** A `streamctl.consistency/v1` document in one line: the counts, then what failed first. */
function describeServeDocument(body: { summary?: unknown; checks?: unknown }): string {
  const counts = (body.summary ?? {}) as Record<string, unknown>;
  const parts = ['fail', 'inconclusive', 'warn', 'ok']
    .filter((key) => typeof counts[key] === 'number' && (counts[key] as number) > 0)
    .map((key) => `${counts[key]} ${key}`);
  const checks = Array.isArray(body.checks) ? (body.checks as CheckLine[]) : [];
  const first = checks.find((c) => c.status === 'fail') ?? checks.find((c) => c.status === 'inconclusive');
  const detail = first && typeof first.message === 'string' ? `: ${typeof first.kind === 'string' ? `${first.kind} ` : ''}${first.message}` : '';
  return parts.length > 0 ? `${parts.join(', ')}${detail}` : '';
}
