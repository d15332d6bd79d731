import type { Redis } from 'ioredis';
import type { StreamDefinition } from '../wire-format.js';

/** `XGROUP CREATE <stream> <group> $ MKSTREAM` as the spec does; BUSYGROUP means it exists already. */
export async function ensureGroup(redis: Redis, definition: StreamDefinition): Promise<void> {
  try {
    await redis.xgroup('CREATE', definition.stream, definition.group, '$', 'MKSTREAM');
  } catch (error) {
    if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
  }
}
