/**
 * Log-linear latency histogram (HDR-like) over milliseconds, backed by one Uint32Array.
 *
 * Layout: bucket 0 holds everything below 2^MIN_EXP ms; then each power of two from
 * 2^MIN_EXP to 2^MAX_EXP ms is split into SUB_COUNT equal-width sub-buckets; the last bucket
 * is the overflow. The bucket of a value is read straight from the IEEE-754 bits of the double
 * (exponent + top mantissa bits), so record() needs no Math.log and allocates nothing.
 */

/** 2^6 = 64 sub-buckets per octave: a bucket is 1/64 of its lower edge wide (<= 1.5625 % error). */
const SUB_BITS = 6;
const SUB_COUNT = 1 << SUB_BITS;
/** 2^-7 ms = 7.8 us: the lowest octave starts below 0.01 ms so 0.01 ms already gets full precision. */
const MIN_EXP = -7;
/** 2^16 ms = 65.5 s: the first power of two past the 60 s target; anything above is overflow. */
const MAX_EXP = 16;

export const BUCKET_COUNT = (MAX_EXP - MIN_EXP) * SUB_COUNT + 2;
const OVERFLOW = BUCKET_COUNT - 1;
const MIN_TRACKED = 2 ** MIN_EXP;
const MAX_TRACKED = 2 ** MAX_EXP;
/** Worst case of (reported - true) / true for a quantile of a value in [2^MIN_EXP, 2^MAX_EXP) ms. */
export const RELATIVE_ERROR = 1 / SUB_COUNT;
/** Format tag of toJSON(): bucket indices only mean something under the same layout. */
export const HISTOGRAM_FORMAT = 1;
const MAX_U32 = 0xffffffff;

// One shared scratch double viewed as two uint32 words: lets bucketIndex() read the bits of a
// number without allocating. Endianness is probed once instead of assumed.
const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);
scratchF64[0] = 1;
const HI_WORD = scratchU32[1] === 0x3ff00000 ? 1 : 0;
const BIASED_MIN_EXP = 1023 + MIN_EXP;

/** Exclusive upper edge of every bucket, computed once (exact: powers of two times k/64). */
const UPPER = new Float64Array(BUCKET_COUNT);
UPPER[0] = MIN_TRACKED;
for (let i = 1; i < OVERFLOW; i++) {
  const octave = Math.floor((i - 1) / SUB_COUNT);
  const sub = (i - 1) % SUB_COUNT;
  UPPER[i] = 2 ** (MIN_EXP + octave) * (1 + (sub + 1) / SUB_COUNT);
}
UPPER[OVERFLOW] = Infinity;

export function bucketIndex(ms: number): number {
  if (!(ms >= MIN_TRACKED)) return 0; // also catches NaN
  if (ms >= MAX_TRACKED) return OVERFLOW;
  scratchF64[0] = ms;
  const hi = scratchU32[HI_WORD];
  const octave = ((hi >>> 20) & 0x7ff) - BIASED_MIN_EXP;
  const sub = (hi >>> (20 - SUB_BITS)) & (SUB_COUNT - 1);
  return 1 + octave * SUB_COUNT + sub;
}

/** Exclusive upper edge of a bucket in ms (Infinity for the overflow bucket). */
export function bucketUpperBound(index: number): number {
  return UPPER[index];
}

/**
 * 1-based rank of quantile q among `count` samples: ceil(q * count), clamped to [1, count].
 * The tiny shrink keeps float noise (0.07 * 100 = 7.000000000000001) from skipping a rank.
 */
export function quantileRank(q: number, count: number): number {
  if (!(q > 0)) return 1;
  if (q >= 1) return count;
  return Math.min(count, Math.max(1, Math.ceil(q * count * (1 - 1e-12))));
}

/** Sparse serialised form: [bucket index, count] pairs for non-empty buckets only. */
export interface HistogramJSON {
  v: number;
  b: Array<[number, number]>;
  sum: number;
  max: number;
}

export class LatencyHistogram {
  /** Per-bucket counts. Uint32 is ample for windows (50k/s * 60 s = 3e6), not for lifetime totals. */
  readonly counts = new Uint32Array(BUCKET_COUNT);
  private n = 0;
  private total = 0;
  private highest = 0;

  get count(): number {
    return this.n;
  }
  get sum(): number {
    return this.total;
  }
  get max(): number {
    return this.highest;
  }

  record(ms: number): void {
    // NaN, negative or infinite durations come from clock bugs: count the request, not the bogus time,
    // so one bad sample cannot turn sum/avg into NaN or Infinity.
    if (!(ms >= 0 && ms < Infinity)) ms = 0;
    this.counts[bucketIndex(ms)]++;
    this.n++;
    this.total += ms;
    if (ms > this.highest) this.highest = ms;
  }

  merge(other: LatencyHistogram): void {
    if (other.n === 0) return;
    const mine = this.counts;
    const theirs = other.counts;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      const c = theirs[i];
      if (c !== 0) mine[i] += c;
    }
    this.n += other.n;
    this.total += other.total;
    if (other.highest > this.highest) this.highest = other.highest;
  }

  reset(): void {
    // Idle slots are reset every time the ring wraps; skip the 6 KB fill when nothing was recorded.
    if (this.n !== 0) this.counts.fill(0);
    this.n = 0;
    this.total = 0;
    this.highest = 0;
  }

  /** Upper edge of the bucket holding rank ceil(q*count), clamped to the max observed; 0 when empty. */
  quantile(q: number): number {
    if (this.n === 0) return 0;
    const rank = quantileRank(q, this.n);
    const counts = this.counts;
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += counts[i];
      if (seen >= rank) return Math.min(UPPER[i], this.highest);
    }
    return this.highest;
  }

  toJSON(): HistogramJSON {
    const b: Array<[number, number]> = [];
    const counts = this.counts;
    for (let i = 0; i < BUCKET_COUNT; i++) if (counts[i] !== 0) b.push([i, counts[i]]);
    return { v: HISTOGRAM_FORMAT, b, sum: this.total, max: this.highest };
  }

  /** Parses toJSON() output; throws TypeError on anything malformed (snapshots arrive from Redis). */
  static fromJSON(json: unknown): LatencyHistogram {
    if (typeof json !== 'object' || json === null) throw new TypeError('histogram: not an object');
    const { v, b, sum, max } = json as Record<string, unknown>;
    if (v !== HISTOGRAM_FORMAT) throw new TypeError(`histogram: unsupported format ${String(v)}`);
    if (!Array.isArray(b)) throw new TypeError('histogram: "b" is not an array');
    if (!isNonNegativeFinite(sum) || !isNonNegativeFinite(max)) {
      throw new TypeError('histogram: "sum" and "max" must be finite numbers >= 0');
    }
    const h = new LatencyHistogram();
    for (const pair of b as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('histogram: bad bucket entry');
      const [index, c] = pair as unknown[];
      if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= BUCKET_COUNT) {
        throw new TypeError(`histogram: bucket index out of range: ${String(index)}`);
      }
      if (!Number.isInteger(c) || (c as number) < 0 || h.counts[index as number] + (c as number) > MAX_U32) {
        throw new TypeError(`histogram: bad count for bucket ${String(index)}`);
      }
      h.counts[index as number] += c as number;
      h.n += c as number;
    }
    h.total = sum;
    h.highest = max;
    return h;
  }
}

function isNonNegativeFinite(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}
