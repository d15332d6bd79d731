import { appendBatch, emptyBatch, type RowBatch } from '../records/rows.js';
import { afterWrite, nextSpan, planAfterRefusedBatch, unwrittenIndexes, type Span } from './bisect-plan.js';
import type { Sink } from './sink.js';

export interface IsolatedWrite<T> {
  /** Units whose rows are stored (or were already: a redelivery). */
  written: T[];
  /** Units the database refused on their own, with its error: retrying them as they are cannot help. */
  refused: Array<{ unit: T; error: unknown }>;
  /** Units not written because the database became unavailable (`error`), in their order. */
  unwritten: T[];
  /** The failure that is not about the rows and stopped the write; undefined when nothing stopped it. */
  error?: unknown;
  /** Transactions tried, the first (whole batch) included. */
  writes: number;
}

function rowsOf<T>(units: readonly T[], span: Span, rows: (unit: T) => RowBatch): RowBatch {
  const batch = emptyBatch();
  for (let i = span.start; i < span.end; i++) appendBatch(batch, rows(units[i]!));
  return batch;
}

/**
 * Writes `units` (accepted uploads, each some rows) as one transaction and, when the database
 * refuses it for its rows, finds the refused units by halving (bisect-plan.ts) and stores the
 * rest. Never throws for the database: an unavailable one ends the write with `error` and the
 * units not yet stored in `unwritten`, for the caller to keep and retry.
 */
export async function writeIsolating<T>(sink: Sink, units: readonly T[], rows: (unit: T) => RowBatch): Promise<IsolatedWrite<T>> {
  const outcome: IsolatedWrite<T> = { written: [], refused: [], unwritten: [], writes: 0 };
  if (units.length === 0) return outcome;
  type Attempt = { outcome: 'stored' } | { outcome: 'refused'; error: unknown } | { outcome: 'unavailable'; error: unknown };
  const attempt = async (span: Span): Promise<Attempt> => {
    outcome.writes++;
    try {
      await sink.write(rowsOf(units, span, rows));
      return { outcome: 'stored' };
    } catch (error) {
      return { outcome: sink.isRecordError(error) ? 'refused' : 'unavailable', error };
    }
  };
  const first = await attempt({ start: 0, end: units.length });
  if (first.outcome === 'stored') {
    outcome.written = [...units];
    return outcome;
  }
  if (first.outcome === 'unavailable') return { ...outcome, unwritten: [...units], error: first.error };

  let plan = planAfterRefusedBatch(units.length);
  // A unit refused on its own keeps its own error: it names what the database refused.
  const errors = new Map<number, unknown>();
  if (units.length === 1) errors.set(0, first.error);
  for (let span = nextSpan(plan); span; span = nextSpan(plan)) {
    const result = await attempt(span);
    if (result.outcome === 'unavailable') {
      outcome.error = result.error;
      break;
    }
    if (result.outcome === 'refused' && span.end - span.start === 1) errors.set(span.start, result.error);
    plan = afterWrite(plan, result.outcome);
  }
  for (const span of plan.written) for (let i = span.start; i < span.end; i++) outcome.written.push(units[i]!);
  for (const index of plan.refused) outcome.refused.push({ unit: units[index]!, error: errors.get(index) });
  if (outcome.error !== undefined) outcome.unwritten = unwrittenIndexes(plan).map((i) => units[i]!);
  return outcome;
}
