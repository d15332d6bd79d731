import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger.js';

export const RATIO_KEY = 'streamctl:ratio';
export const RATIO_CHANNEL = 'streamctl:ratio';
/** A change reaches every instance at once through pub/sub; the re-read bounds a missed message to 500 ms. */
const REREAD_MS = 500;

export function isValidRatio(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;
}

/**
 * The traffic ratio shared by every instance on one Redis. The hot path reads `current`, a plain
 * number; Redis holds the truth and survives restarts.
 */
export class RatioStore {
  private value: number;
  /** Bumped by every local write, so a re-read that started before it cannot undo it. */
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly onMessage = (channel: string, message: string) => {
    if (channel === RATIO_CHANNEL) this.adopt(Number(message));
  };

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

  /** Stores first, then announces: an instance that misses the message still reads the key. */
  async set(ratio: number): Promise<number> {
    this.generation++;
    const old = await this.redis.getset(RATIO_KEY, String(ratio));
    this.value = ratio;
    await this.redis.publish(RATIO_CHANNEL, String(ratio)).catch(() => 0);
    const previous = Number(old);
    return isValidRatio(previous) ? previous : ratio;
  }

  async refresh(): Promise<void> {
    const generation = this.generation;
    try {
      const stored = await this.redis.get(RATIO_KEY);
      if (stored !== null && generation === this.generation) this.adopt(Number(stored));
    } catch (error) {
      this.logger.throttled('ratio-refresh', 10_000, 'warn', 'could not re-read the traffic ratio; keeping the last known value', { ratio: this.value, error });
    }
  }

  private adopt(ratio: number): void {
    if (isValidRatio(ratio)) this.value = ratio;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.subscriber.off('message', this.onMessage);
  }
}
