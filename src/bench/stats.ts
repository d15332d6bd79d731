/** Pure statistics for the benchmark report: every figure is a median with its spread. */

export interface Spread {
  /** Median of the runs that produced a value; null when none did. */
  median: number | null;
  min: number | null;
  max: number | null;
  /** Runs that produced a value. */
  n: number;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median and min–max over runs; null/NaN entries (a run that could not measure) are left out. */
export function spread(values: ReadonlyArray<number | null | undefined>): Spread {
  const present = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (present.length === 0) return { median: null, min: null, max: null, n: 0 };
  return { median: median(present), min: Math.min(...present), max: Math.max(...present), n: present.length };
}

/** a / b, or null when either is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

/**
 * Per-run ratios (run i of `a` against run i of `b`), summarised: pairing runs that ran back to
 * back cancels most of a shared machine's drift, which a ratio of medians would not.
 */
export function pairedRatio(a: ReadonlyArray<number | null | undefined>, b: ReadonlyArray<number | null | undefined>): Spread {
  const ratios: Array<number | null> = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) ratios.push(ratio(a[i], b[i]));
  return spread(ratios);
}

/** Exact quantile (nearest rank) of a sample; null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/** Least-squares slope of y over x (units of y per unit of x); 0 with fewer than two points. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
