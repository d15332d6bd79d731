/** An entry as ioredis returns it; fields are null when the entry was deleted while pending. */
export type RawEntry = [id: string, fields: string[] | null];

/** XREADGROUP replies `[[stream, entries]]`, or null when BLOCK timed out. */
export function entriesOf(reply: unknown): RawEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const first = reply[0] as [string, RawEntry[]];
  return Array.isArray(first?.[1]) ? first[1] : [];
}

/** XAUTOCLAIM replies `[next cursor, entries, deleted ids]` (Redis 7). */
export function autoclaimOf(reply: unknown): { cursor: string; entries: RawEntry[]; deleted: string[] } {
  const [cursor, entries, deleted] = reply as [string, RawEntry[], string[] | undefined];
  return { cursor, entries: entries ?? [], deleted: deleted ?? [] };
}

export function trimmedCounterKey(stream: string): string {
  return `streamctl:trimmed:${stream}`;
}

/**
 * Per stream, a hash the monitor keeps next to the stream (same Redis, same AOF) for loss
 * accounting (loss-accounting.ts): `own_trimmed`, the checkpoint fields, `unverified`.
 */
export function lossAccountingKey(stream: string): string {
  return `streamctl:loss:${stream}`;
}
