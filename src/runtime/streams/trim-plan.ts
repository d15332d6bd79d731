/**
 * Pure arithmetic on stream ids for the trimmer. An id is `<ms>-<seq>`; comparing as pairs of
 * numbers is exact where comparing strings is not ("9-0" > "10-0" as text).
 */
export function parseId(id: string): [number, number] {
  const [ms, seq] = id.split('-');
  return [Number(ms), Number(seq ?? 0)];
}

export function compareIds(a: string, b: string): number {
  const [am, as] = parseId(a);
  const [bm, bs] = parseId(b);
  return am !== bm ? am - bm : as - bs;
}

export function minId(a: string, b: string): string {
  return compareIds(a, b) <= 0 ? a : b;
}

/** The smallest id strictly greater than `id`. */
export function nextId(id: string): string {
  const [ms, seq] = parseId(id);
  return `${ms}-${seq + 1}`;
}

export interface GroupPosition {
  name: string;
  lastDeliveredId: string;
  pending: number;
  /** Oldest pending id, when pending > 0. */
  oldestPendingId?: string;
  /** Entries not yet delivered to the group (Redis 7 `lag`); null when Redis cannot tell. */
  lag: number | null;
}

export interface TrimInput {
  length: number;
  firstId?: string;
  lastId?: string;
  groups: GroupPosition[];
  nowMs: number;
  retentionMs: number;
  maxLen: number;
}

/**
 * Everything below the returned id has been delivered to and acked by every group, so trimming
 * there destroys nothing unconsumed (design §3, redis #6199). Undefined: nothing may be trimmed.
 */
export function safeTrimId(groups: GroupPosition[]): string | undefined {
  if (groups.length === 0) return undefined;
  let safe: string | undefined;
  for (const group of groups) {
    const bound = group.pending > 0 && group.oldestPendingId ? group.oldestPendingId : nextId(group.lastDeliveredId);
    safe = safe === undefined ? bound : minId(safe, bound);
  }
  return safe;
}

/**
 * Where retention wants the stream to start: older than the TTL, or beyond `maxLen` entries.
 * The count cut is estimated from the id span assuming an even rate, like MAXLEN's own `~`.
 */
export function retentionTrimId(input: TrimInput): string | undefined {
  if (input.length === 0 || !input.firstId || !input.lastId) return undefined;
  let cut = `${Math.max(0, input.nowMs - input.retentionMs)}-0`;
  if (input.length > input.maxLen) {
    const first = parseId(input.firstId)[0];
    const last = parseId(input.lastId)[0];
    const fraction = (input.length - input.maxLen) / input.length;
    const countCut = `${Math.floor(first + (last - first) * fraction)}-0`;
    if (compareIds(countCut, cut) > 0) cut = countCut;
  }
  return compareIds(cut, input.firstId) > 0 ? cut : undefined;
}

/** The MINID to trim to now, or undefined: retention's wish, never past the safe point. */
export function planTrim(input: TrimInput): string | undefined {
  const wanted = retentionTrimId(input);
  const safe = safeTrimId(input.groups);
  if (!wanted || !safe) return undefined;
  const target = minId(wanted, safe);
  return input.firstId && compareIds(target, input.firstId) > 0 ? target : undefined;
}

/** Entries accepted but not yet persisted by the slowest group: what a consumer outage piles up. */
export function unconsumedBacklog(length: number, groups: GroupPosition[]): number {
  if (groups.length === 0) return length;
  let worst = 0;
  // An unknown lag counts as none here: the retained, already-acked history must not read as backlog
  // and turn uploads away; the trimmer stays safe without it, and status shows the lag as unknown.
  for (const group of groups) worst = Math.max(worst, group.pending + (group.lag ?? 0));
  return worst;
}
