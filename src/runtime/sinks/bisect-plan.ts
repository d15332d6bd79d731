/**
 * Which part of a refused batch to write next, so that the records a database refuses are found
 * without giving up their batch-mates. Pure: the caller writes, this only plans.
 *
 * A batch write is one transaction (sink.ts): one refused record rolls back every row of it. When
 * the engine says the refusal is about the rows (sink.isRecordError), the batch is halved and each
 * half written on its own; a half that is refused again is halved again, down to single records.
 * With k refused records among n this costs at most 2k * ceil(log2 n) writes instead of the n a
 * record-by-record retry costs, and a batch with one bad record keeps every other row.
 *
 * Indexes are positions in the batch; a span is [start, end) with end > start.
 */
export interface Span {
  start: number;
  end: number;
}

export interface BisectPlan {
  /** Spans still to write; the next one is last, so the batch is written in its order. */
  readonly todo: readonly Span[];
  /** Spans stored. */
  readonly written: readonly Span[];
  /** Single records refused on their own: these, and only these, are dead letters. */
  readonly refused: readonly number[];
}

function halves(span: Span): Span[] {
  const middle = span.start + Math.ceil((span.end - span.start) / 2);
  // Pushed right first: the left half is written first.
  return [{ start: middle, end: span.end }, { start: span.start, end: middle }];
}

/** The plan after the whole batch of `count` records (count >= 1) was refused as one transaction. */
export function planAfterRefusedBatch(count: number): BisectPlan {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`a refused batch holds at least one record, not ${count}`);
  if (count === 1) return { todo: [], written: [], refused: [0] };
  return { todo: halves({ start: 0, end: count }), written: [], refused: [] };
}

/** The span to write next, or undefined when the plan is done. */
export function nextSpan(plan: BisectPlan): Span | undefined {
  return plan.todo[plan.todo.length - 1];
}

/**
 * The plan once `nextSpan(plan)` was written (`stored`) or refused for its rows (`refused`). A
 * failure that is not about the rows (the database is away) is not an outcome here: the caller
 * stops and keeps everything not yet written (`unwrittenIndexes`).
 */
export function afterWrite(plan: BisectPlan, outcome: 'stored' | 'refused'): BisectPlan {
  const span = nextSpan(plan);
  if (!span) throw new Error('afterWrite: the plan has nothing left to write');
  const todo = plan.todo.slice(0, -1);
  if (outcome === 'stored') return { todo, written: [...plan.written, span], refused: plan.refused };
  if (span.end - span.start === 1) return { todo, written: plan.written, refused: [...plan.refused, span.start] };
  return { todo: [...todo, ...halves(span)], written: plan.written, refused: plan.refused };
}

/** Every index still to write, in batch order: what goes back to the queue when the database goes away mid-plan. */
export function unwrittenIndexes(plan: BisectPlan): number[] {
  const indexes: number[] = [];
  for (const span of plan.todo) for (let i = span.start; i < span.end; i++) indexes.push(i);
  return indexes.sort((a, b) => a - b);
}
