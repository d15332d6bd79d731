import { compareRows, compareWithExpected, type FieldDifference } from './compare.js';
import type { ValidationSample } from './samples.js';

/** How one endpoint answered one upload. */
export interface SideOutcome {
  /** ok: HTTP 200 with the success status the spec names for that endpoint. */
  result: 'ok' | 'rejected' | 'network_error' | 'timeout';
  status?: number;
  /** The body's `status` field: `success` (traditional) or `accepted` (stream). */
  answer?: string;
  /** The path the service took: its `x-streamctl-path` header, else read from `answer`. */
  path?: 'stream' | 'traditional';
  latencyMs: number;
  error?: string;
}

export type SampleClass = 'match' | 'mismatch' | 'not_persisted' | 'error_old' | 'error_new' | 'timeout';
export const SAMPLE_CLASSES: readonly SampleClass[] = ['match', 'mismatch', 'not_persisted', 'error_old', 'error_new', 'timeout'];

export interface StoredRow extends Record<string, unknown> {
  upload_method: string;
  ingest_id: string;
}

export interface SampleVerdict {
  index: number;
  deviceSn: string;
  deviceTime: string;
  class: SampleClass;
  detail: string;
  differences?: FieldDifference[];
}

/**
 * Which upload_method each side's row must carry. The legacy endpoint answers `success` when it
 * used the traditional path (`optimized`) and `accepted` when the ratio routed it to the stream
 * path (`stream_v2`); the v2 endpoint always writes `stream_v2`.
 */
export function expectedMethods(old: SideOutcome): { old: string; new: string } {
  return { old: pathOf(old) === 'stream' ? 'stream_v2' : 'optimized', new: 'stream_v2' };
}

/**
 * The path a side's upload took: the service's own word (`x-streamctl-path`) when it gives one,
 * else the answer's `status`, which the original sets to `accepted` on the stream path and
 * `success` on the batch path (`upload_health_data_stream()` / `optimized_upload_health_data()`).
 */
export function pathOf(side: SideOutcome): 'stream' | 'traditional' | undefined {
  if (side.path) return side.path;
  if (side.answer === 'accepted') return 'stream';
  if (side.answer === 'success') return 'traditional';
  return undefined;
}

/** Splits a sample's rows between the two sides; undefined where a side's row is not there. */
export function assignRows(rows: readonly StoredRow[], methods: { old: string; new: string }): { oldRow?: StoredRow; newRow?: StoredRow; extra: number } {
  const pool = [...rows];
  const take = (method: string) => {
    const at = pool.findIndex((r) => r.upload_method === method);
    return at < 0 ? undefined : pool.splice(at, 1)[0];
  };
  const newRow = take(methods.new);
  const oldRow = take(methods.old);
  return { ...(oldRow ? { oldRow } : {}), ...(newRow ? { newRow } : {}), extra: pool.length };
}

function describe(side: SideOutcome): string {
  if (side.result === 'rejected') return `HTTP ${side.status}${side.answer ? ` status=${side.answer}` : ''}`;
  return side.error ?? side.result;
}

/**
 * One sample's class. A timeout on either side is `timeout`; otherwise a failed answer is
 * error_old / error_new (old first when both failed); then the rows decide: both present and equal
 * to what was sent and to each other is `match`.
 */
export function classifySample(sample: ValidationSample, old: SideOutcome, neu: SideOutcome, rows: readonly StoredRow[], tolerance: number): SampleVerdict {
  const base = { index: sample.index, deviceSn: sample.deviceSn, deviceTime: sample.deviceTimeIso };
  if (old.result === 'timeout' || neu.result === 'timeout') {
    return { ...base, class: 'timeout', detail: [old.result === 'timeout' ? 'old endpoint timed out' : '', neu.result === 'timeout' ? 'new endpoint timed out' : ''].filter(Boolean).join(', ') };
  }
  if (old.result !== 'ok') return { ...base, class: 'error_old', detail: `old endpoint: ${describe(old)}${neu.result !== 'ok' ? `; new endpoint: ${describe(neu)}` : ''}` };
  if (neu.result !== 'ok') return { ...base, class: 'error_new', detail: `new endpoint: ${describe(neu)}` };
  const methods = expectedMethods(old);
  const { oldRow, newRow, extra } = assignRows(rows, methods);
  if (!oldRow || !newRow) {
    const absent = [!oldRow ? `old (${methods.old})` : '', !newRow ? `new (${methods.new})` : ''].filter(Boolean).join(' and ');
    return { ...base, class: 'not_persisted', detail: `answered ok but no row for the ${absent} side` };
  }
  const differences = [...compareWithExpected(sample.expected, oldRow, 'old', tolerance), ...compareWithExpected(sample.expected, newRow, 'new', tolerance)];
  // A column already wrong against what was sent also differs between the rows: say it once.
  const named = new Set(differences.map((d) => d.column));
  differences.push(...compareRows(oldRow, newRow, tolerance).filter((d) => !named.has(d.column)));
  if (extra > 0) differences.push({ column: 'rows', expected: 2, actual: 2 + extra, side: 'between' });
  if (differences.length > 0) {
    return { ...base, class: 'mismatch', detail: differences.map((d) => `${d.side} ${d.column}: ${JSON.stringify(d.expected)} != ${JSON.stringify(d.actual)}`).join('; '), differences };
  }
  return { ...base, class: 'match', detail: '' };
}
