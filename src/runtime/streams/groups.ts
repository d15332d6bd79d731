import type { Redis } from 'ioredis';
import type { StreamDefinition } from '../wire-format.js';

function isBusyGroup(error: unknown): boolean {
  return String((error as Error)?.message).includes('BUSYGROUP');
}

/**
 * `XGROUP CREATE <stream> <group> $ MKSTREAM` as the spec does; BUSYGROUP means it exists already.
 * ENTRIESREAD (Redis 7+) starts the group's read counter right, so Redis can keep reporting `lag`
 * even after entries are trimmed before delivery, which is how such a loss is noticed at all.
 */
export async function ensureGroup(redis: Redis, definition: StreamDefinition): Promise<void> {
  const { stream, group } = definition;
  let entriesAdded = 0;
  try {
    const info = (await redis.xinfo('STREAM', stream)) as unknown[];
    const at = info.indexOf('entries-added');
    if (at >= 0) entriesAdded = Number(info[at + 1]) || 0;
  } catch {
    // No stream yet: MKSTREAM creates it with nothing added.
  }
  try {
    await redis.xgroup('CREATE', stream, group, '$', 'MKSTREAM', 'ENTRIESREAD', entriesAdded);
  } catch (error) {
    if (isBusyGroup(error)) return;
    if (!/syntax|ENTRIESREAD/i.test(String((error as Error).message))) throw error;
    // Redis 6 knows no ENTRIESREAD; the group works the same, only without lag figures.
    try {
      await redis.xgroup('CREATE', stream, group, '$', 'MKSTREAM');
    } catch (retryError) {
      if (!isBusyGroup(retryError)) throw retryError;
    }
  }
}
