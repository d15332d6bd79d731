/**
 * A log-linear latency histogram over whole microseconds (HDR-like, bounded memory): values below
 * 128 us are exact; above, each power of two is split into 64 buckets, so a reported quantile is
 * at most 1/64 (1.6 %) above the true one and never below it. Up to 2^36 us (19 h) fits.
 */
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;
const LINEAR_LIMIT = SUB * 2; // 128 us
const MAX_EXP = 36;
const BUCKETS = LINEAR_LIMIT + (MAX_EXP - SUB_BITS - 1) * SUB;

export const HISTOGRAM_RELATIVE_ERROR = 1 / SUB;

function bucketOf(us: number): number {
  if (us < LINEAR_LIMIT) return us;
  const exp = Math.min(MAX_EXP - 1, Math.floor(Math.log2(us)));
  const sub = Math.min(SUB - 1, Math.floor(us / 2 ** (exp - SUB_BITS)) - SUB);
  return LINEAR_LIMIT + (exp - SUB_BITS - 1) * SUB + sub;
}

/** Inclusive upper edge of a bucket, in us. */
function upperOf(index: number): number {
  if (index < LINEAR_LIMIT) return index;
  const octave = Math.floor((index - LINEAR_LIMIT) / SUB);
  const sub = (index - LINEAR_LIMIT) % SUB;
  const exp = octave + SUB_BITS + 1;
  return (SUB + sub + 1) * 2 ** (exp - SUB_BITS) - 1;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  private maxUs = 0;
  private sumUs = 0;

  recordMs(ms: number): void {
    const us = Math.max(0, Math.round(ms * 1000));
    this.counts[bucketOf(us)]!++;
    this.count++;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** Nearest-rank quantile in ms; never below the true value, at most 1.6 % above it. Null when empty. */
  quantileMs(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.min(this.count, Math.max(1, Math.ceil(q * this.count)));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperOf(i), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  get maxMs(): number | null {
    return this.count === 0 ? null : this.maxUs / 1000;
  }

  get meanMs(): number | null {
    return this.count === 0 ? null : this.sumUs / this.count / 1000;
  }
}
