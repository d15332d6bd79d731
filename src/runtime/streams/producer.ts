import type { Redis } from 'ioredis';
import type { StreamDefinition } from '../wire-format.js';
import type { AppendConnection } from './append-connection.js';
import { ensureGroup } from './groups.js';

/**
 * Appends accepted uploads. NOMKSTREAM because a plain XADD would silently recreate a deleted
 * stream without its consumer group, and every consumer would then fail with NOGROUP; here the
 * stream and group are recreated together and the entry is added again.
 */
export class StreamProducer {
  produced = 0;
  private inFlight = 0;
  private lastProgressAt = Date.now();

  constructor(
    private readonly redis: Redis,
    private readonly connection: AppendConnection,
  ) {}

  /**
   * How long XADDs have been waiting without any reply, 0 when none waits. A per-command timeout
   * would cost a timer per upload; one clock read per reply lets a watchdog find a hung Redis.
   */
  stalledFor(nowMs: number): number {
    return this.inFlight > 0 ? nowMs - this.lastProgressAt : 0;
  }

  async add(definition: StreamDefinition, fields: string[]): Promise<string> {
    if (this.inFlight++ === 0) this.lastProgressAt = Date.now();
    try {
      return await this.append(definition, fields);
    } finally {
      this.inFlight--;
      this.lastProgressAt = Date.now();
    }
  }

  private async append(definition: StreamDefinition, fields: string[]): Promise<string> {
    let id = (await this.connection.send(['XADD', definition.stream, 'NOMKSTREAM', '*', ...fields])) as string | null;
    if (id === null) {
      await ensureGroup(this.redis, definition);
      id = (await this.connection.send(['XADD', definition.stream, 'NOMKSTREAM', '*', ...fields])) as string | null;
      if (id === null) throw new Error(`stream ${definition.stream} vanished twice while adding`);
    }
    this.produced++;
    return id;
  }
}
