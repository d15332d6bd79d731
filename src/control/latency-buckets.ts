/**
 * Latency histograms given as buckets by upper bound: `[upper ms (exclusive; Infinity for the
 * overflow), count]`. Pure. Nothing here knows the service's bucket layout: differences and sums
 * line buckets up by their bounds, a bound missing on one side counting 0 there (serve sends
 * non-empty buckets only).
 */
export type Buckets = Array<[number, number]>;

/**
 * `current - previous`, bucket by bucket, ascending by bound. A bucket that went down means the
 * counts were reset between the two reads: returned as `{ negative: bound }`, never clamped.
 */
export function bucketDifference(previous: Buckets, current: Buckets): { buckets: Buckets } | { negative: number } {
  const counts = new Map<number, number>();
  for (const [upper, count] of current) counts.set(upper, (counts.get(upper) ?? 0) + count);
  for (const [upper, count] of previous) counts.set(upper, (counts.get(upper) ?? 0) - count);
  const out: Buckets = [];
  for (const [upper, count] of counts) {
    if (count < 0) return { negative: upper };
    if (count > 0) out.push([upper, count]);
  }
  return { buckets: out.sort((a, b) => a[0] - b[0]) };
}

/** The sum of several histograms (one per instance), ascending by bound. */
export function mergeBuckets(all: Buckets[]): Buckets {
  const counts = new Map<number, number>();
  for (const buckets of all) for (const [upper, count] of buckets) counts.set(upper, (counts.get(upper) ?? 0) + count);
  return [...counts].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
}

/**
 * Quantile `q` (0..1) in ms: the upper bound of the bucket holding rank ceil(q * count), the rank
 * rule of serve's own LatencyHistogram.quantile (so a difference of serve's counters gives what
 * its window would for the same requests, up to its clamp to the window's max). A rank in the
 * overflow bucket gives the largest finite bound, a lower bound of the true value (65.5 s on
 * serve: far past any threshold). null when the histogram is empty.
 */
export function bucketQuantile(buckets: Buckets, q: number): number | null {
  const total = buckets.reduce((sum, [, c]) => sum + c, 0);
  if (total === 0) return null;
  // The tiny shrink keeps float noise (0.07 * 100 = 7.000000000000001) from skipping a rank.
  const rank = Math.min(total, Math.max(1, Math.ceil(q * total * (1 - 1e-12))));
  let seen = 0;
  let lastFinite: number | null = null;
  for (const [upper, count] of buckets) {
    if (Number.isFinite(upper)) lastFinite = upper;
    seen += count;
    if (seen >= rank) return Number.isFinite(upper) ? upper : lastFinite;
  }
  return lastFinite;
}

/** Requests counted in the buckets. */
export function bucketTotal(buckets: Buckets): number {
  return buckets.reduce((sum, [, c]) => sum + c, 0);
}
