import type { Redis } from 'ioredis';
import type { StreamDefinition } from '../wire-format.js';
import { ensureGroup } from './groups.js';

/**
 * Appends accepted uploads. NOMKSTREAM because a plain XADD would silently recreate a deleted
 * stream without its consumer group, and every consumer would then fail with NOGROUP; here the
 * stream and group are recreated together and the entry is added again.
 */
export class StreamProducer {
  produced = 0;

  constructor(private readonly redis: Redis) {}

  async add(definition: StreamDefinition, fields: string[]): Promise<string> {
    let id = (await this.redis.xadd(definition.stream, 'NOMKSTREAM', '*', ...fields)) as string | null;
    if (id === null) {
      await ensureGroup(this.redis, definition);
      id = (await this.redis.xadd(definition.stream, 'NOMKSTREAM', '*', ...fields)) as string | null;
      if (id === null) throw new Error(`stream ${definition.stream} vanished twice while adding`);
    }
    this.produced++;
    return id;
  }
}
