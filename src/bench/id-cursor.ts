/**
 * Which rows of `user_health_data` a poller has not seen yet, by id, for a client-server database
 * (PostgreSQL BIGSERIAL, InnoDB AUTO_INCREMENT). There ids are taken at insert time, not at
 * commit: a batch that took ids 501-1000 can commit after the batch that took 1001-1500, so
 * "id > highest seen" would skip it for good (and those late rows are the slow ones the p99 is
 * about). The cursor keeps the ids skipped below the highest seen as gap ranges and asks for them
 * again on each poll; a gap that stays empty for `maxGapAgeMs` is dropped (a sequence value
 * consumed by a conflict or a rolled-back transaction is never filled). Pure.
 */
export interface IdGap {
  /** Inclusive id range not seen yet. */
  lo: number;
  hi: number;
  /** When the gap was first noticed (ms, the caller's clock). */
  since: number;
}

/** What the next poll selects: `id > above OR id BETWEEN lo AND hi` for each range. */
export interface IdQuery {
  above: number;
  ranges: Array<[number, number]>;
}

export class IdCursor {
  /** Highest id seen (0: none). */
  max = 0;
  gaps: IdGap[] = [];
  /** Ids given up on: gaps dropped for age or for the cap on ranges. */
  abandoned = 0;

  /**
   * @param maxGapAgeMs a gap still empty after this long is dropped (default 5,000 ms: a batch
   *   transaction lasts milliseconds, so 5 s is far beyond any commit reordering).
   * @param maxGaps at most this many ranges are asked for per poll (default 32: the SQL stays
   *   short); the oldest beyond it are dropped.
   */
  constructor(private readonly maxGapAgeMs = 5_000, private readonly maxGaps = 32) {}

  query(): IdQuery {
    return { above: this.max, ranges: this.gaps.map((g) => [g.lo, g.hi]) };
  }

  /** Records the ids a poll returned (each new: above `max` or inside a gap); at `now` ms. */
  record(ids: readonly number[], now: number): void {
    const sorted = [...ids].sort((a, b) => a - b);
    // Ids inside existing gaps split them.
    const below = sorted.filter((id) => id <= this.max);
    if (below.length > 0) {
      const next: IdGap[] = [];
      for (const gap of this.gaps) {
        let lo = gap.lo;
        for (const id of below) {
          if (id < lo || id > gap.hi) continue;
          if (id > lo) next.push({ lo, hi: id - 1, since: gap.since });
          lo = id + 1;
        }
        if (lo <= gap.hi) next.push({ lo, hi: gap.hi, since: gap.since });
      }
      this.gaps = next;
    }
    // Ids above the highest seen open a gap wherever they skip one.
    for (const id of sorted) {
      if (id <= this.max) continue;
      if (id > this.max + 1) this.gaps.push({ lo: this.max + 1, hi: id - 1, since: now });
      this.max = id;
    }
    this.expire(now);
  }

  private expire(now: number): void {
    const keep = this.gaps.filter((g) => now - g.since < this.maxGapAgeMs);
    const dropped = this.gaps.filter((g) => now - g.since >= this.maxGapAgeMs);
    const overflow = keep.length > this.maxGaps ? keep.splice(0, keep.length - this.maxGaps) : [];
    for (const g of [...dropped, ...overflow]) this.abandoned += g.hi - g.lo + 1;
    this.gaps = keep;
  }
}
