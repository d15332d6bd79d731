import type { ConsistencyResult } from '../ports/consistency-gate.js';

/**
 * The original service's consistency document: the dict `verify_database_consistency()` returns
 * (reference service, db_consistency.py; its harness serves it as `GET /api/consistency`):
 *
 *   { "traditional_count": 120, "stream_count": 80, "total_count": 200,
 *     "duplicates": 0, "consistency_ok": true }
 *
 * Counts are rows whose create_time is in the last hour, by `upload_method` ('optimized' for the
 * traditional path, 'stream_v2' for the stream path); `duplicates` is the number of
 * (device_sn, timestamp) groups with more than one row, not the number of extra rows.
 */
export interface OriginalConsistencyDocument {
  traditional_count: number;
  stream_count: number;
  total_count: number;
  duplicates: number;
  consistency_ok: boolean;
}

export const ORIGINAL_CONSISTENCY_FIELDS = ['traditional_count', 'stream_count', 'total_count', 'duplicates', 'consistency_ok'] as const;

const COUNT_FIELDS = ['traditional_count', 'stream_count', 'total_count', 'duplicates'] as const;

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** All five fields with their types (SQL COUNT(*) results and a boolean); extra fields are tolerated. */
export function isOriginalConsistencyDocument(body: unknown): body is OriginalConsistencyDocument {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  return COUNT_FIELDS.every((field) => isCount(b[field])) && typeof b.consistency_ok === 'boolean';
}

/**
 * Pure: the gate's verdict on the original's document. db_consistency.py's only rule is
 * `consistency_ok = duplicates == 0`, so duplicate groups are a breach and nothing else is.
 * A document that contradicts that rule (ok with duplicates) is not trusted to pass: a gate
 * that lets a breach through costs more than one that stops a run for a human to look.
 */
export function judgeOriginalConsistency(doc: OriginalConsistencyDocument): ConsistencyResult {
  const source = "original service's verify_database_consistency()";
  const rows = `${doc.traditional_count} traditional + ${doc.stream_count} stream rows in the last hour`;
  const groups = `${doc.duplicates} duplicate (device_sn, timestamp) group${doc.duplicates === 1 ? '' : 's'}`;
  if (!doc.consistency_ok) return { verdict: 'inconsistent', summary: `${source}: consistency_ok false: ${rows}, ${groups}` };
  if (doc.duplicates > 0) {
    return { verdict: 'inconsistent', summary: `${source}: consistency_ok true contradicts ${groups} (its rule is duplicates == 0): ${rows}` };
  }
  return { verdict: 'consistent', summary: `${source}: ${rows}, ${groups}` };
}
