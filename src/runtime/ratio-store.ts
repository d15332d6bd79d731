import type { Redis } from 'ioredis';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { deadline } from '../shared/within.js';
import { isRedisClientError, plainRedisError } from '../shared/redis-errors.js';
import { redisDisplay } from './redis-display.js';

export const RATIO_KEY = 'streamctl:ratio';
export const RATIO_CHANNEL = 'streamctl:ratio';
/** A change reaches every instance at once through pub/sub; the re-read bounds a missed message to 500 ms. */
const REREAD_MS = 500;

export function isValidRatio(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;
}

/** An emergency rollback applied on this instance before Redis confirmed it. */
export interface LocalOverride {
  ratio: 0;
  sinceMs: number;
  /** Why the shared value is not written yet. */
  error: string;
}

export interface RollbackResult {
  /** The ratio before the rollback: the shared value when Redis answered, else this instance's. */
  old: number;
  /** True when Redis holds 0 too, so every instance routes to the batch path. */
  shared: boolean;
  error?: string;
}

/**
 * The traffic ratio shared by every instance on one Redis. The hot path reads `current`, a plain
 * number; Redis holds the truth and survives restarts, except after an emergency rollback Redis
 * could not take: then this instance routes at 0 whatever Redis says (the local override) and
 * writes 0 to Redis every 500 ms until it succeeds.
 */
export class RatioStore {
  private value: number;
  /** Bumped by every local write, so a re-read that started before it cannot undo it. */
  private generation = 0;
  private override: LocalOverride | undefined;
  /** One re-read at a time: against a stopped Redis, queued reads would pile up every 500 ms. */
  private refreshing = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onMessage = (channel: string, message: string) => {
    if (channel === RATIO_CHANNEL) this.adopt(Number(message));
  };

  private plain(error: unknown): string {
    return isRedisClientError(error) ? plainRedisError(error, redisDisplay(this.redis)) : errorMessage(error);
  }

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly logger: Logger,
    initial: number,
  ) {
    this.value = initial;
  }

  get current(): number {
    return this.value;
  }

  /** Present while a rollback holds this instance at 0 and Redis does not say 0 yet. */
  get localOverride(): LocalOverride | undefined {
    return this.override;
  }

  /** Reads the stored ratio, storing `explicit` (or `fallback` when nothing is stored) first. */
  async start(explicit: number | undefined, fallback: number): Promise<void> {
    if (explicit !== undefined) await this.redis.set(RATIO_KEY, String(explicit));
    else await this.redis.set(RATIO_KEY, String(fallback), 'NX');
    await this.refresh();
    this.subscriber.on('message', this.onMessage);
    await this.subscriber.subscribe(RATIO_CHANNEL);
    this.timer = setInterval(() => void this.refresh(), REREAD_MS);
    this.timer.unref();
  }

  /**
   * Stores first, then announces: an instance that misses the message still reads the key. An
   * operator's explicit ratio ends a local override. Rejects when Redis fails; an unanswered call
   * is the caller's to bound.
   */
  async set(ratio: number): Promise<number> {
    this.generation++;
    const old = await this.redis.getset(RATIO_KEY, String(ratio));
    this.value = ratio;
    this.override = undefined;
    await this.redis.publish(RATIO_CHANNEL, String(ratio)).catch(() => 0);
    const previous = Number(old);
    return isValidRatio(previous) ? previous : ratio;
  }

  /**
   * Emergency rollback: 0 on this instance at once, then the shared value within `sharedWriteMs`.
   * Never rejects: when Redis fails or does not answer in time, the local override keeps this
   * instance at 0 and the re-read loop keeps writing 0 until Redis takes it.
   */
  async rollback(sharedWriteMs: number): Promise<RollbackResult> {
    const before = this.value;
    this.generation++;
    this.value = 0;
    this.override = { ratio: 0, sinceMs: Date.now(), error: 'the shared ratio is being written' };
    try {
      const old = await deadline(this.writeZero(), sharedWriteMs, 'writing ratio 0 to Redis');
      return { old: isValidRatio(old) ? old : before, shared: true };
    } catch (error) {
      // Shown in health and in the rollback's answer: plain words naming the Redis (redis-errors.ts).
      const message = this.plain(error);
      if (this.override) this.override.error = message;
      this.logger.critical('rollback applied on this instance only: the shared ratio could not be written yet; retrying every 500 ms', { error: message });
      return { old: before, shared: false, error: message };
    }
  }

  /** Writes 0 to Redis and, when it lands while the override still stands, ends the override. */
  private async writeZero(): Promise<number> {
    const generation = this.generation;
    const old = Number(await this.redis.getset(RATIO_KEY, '0'));
    if (generation === this.generation && this.override) {
      this.override = undefined;
      this.logger.warn('the shared ratio is 0 again: the rollback now holds on every instance');
    }
    await this.redis.publish(RATIO_CHANNEL, '0').catch(() => 0);
    return old;
  }

  async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    const generation = this.generation;
    try {
      if (this.override) {
        await this.writeZero();
        return;
      }
      const stored = await this.redis.get(RATIO_KEY);
      if (stored !== null && generation === this.generation) this.adopt(Number(stored));
    } catch (error) {
      if (this.override) this.override.error = this.plain(error);
      this.logger.throttled('ratio-refresh', 10_000, 'warn', 'could not re-read the traffic ratio; keeping the last known value', { ratio: this.value, error });
    } finally {
      this.refreshing = false;
    }
  }

  private adopt(ratio: number): void {
    // A local rollback outranks whatever Redis (or a late message) says until 0 is written there.
    if (this.override) return;
    if (isValidRatio(ratio)) this.value = ratio;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.subscriber.off('message', this.onMessage);
  }
}
