import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger.js';
import { within } from '../shared/within.js';
import {
  COUNTERS_FORMAT, mergeSnapshots, parseInstanceCounters, parseSnapshot,
  type CountersDocument, type InstanceCountersJSON, type MetricsSummary, type SlidingWindowMetrics, type WindowSnapshot,
} from './metrics/index.js';

const INSTANCES = 'streamctl:instances';
const SNAPSHOT_KEY = (id: string) => `streamctl:metrics:${id}`;
const COUNTERS_KEY = (id: string) => `streamctl:counters:${id}`;
/** Published every second; an instance silent for 5 s is gone and drops out of the sums. */
const PUBLISH_MS = 1_000;
const STALE_MS = 5_000;

/** How long a metrics answer waits for the other instances' windows in Redis. */
const FLEET_READ_MS = 1_000;

/**
 * Every instance publishes its window to Redis so `/api/stream_metrics` answers for the whole
 * service, not for whichever process the request happened to reach.
 */
export class MetricsExchange {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly metrics: SlidingWindowMetrics,
    readonly instanceId: string,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.publish(), PUBLISH_MS);
    this.timer.unref();
    void this.publish();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async publish(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    try {
      const now = Date.now();
      await this.redis
        .multi()
        .set(SNAPSHOT_KEY(this.instanceId), JSON.stringify(this.metrics.snapshot()), 'PX', STALE_MS)
        .set(COUNTERS_KEY(this.instanceId), JSON.stringify(this.metrics.counters(this.instanceId)), 'PX', STALE_MS)
        .zadd(INSTANCES, now, this.instanceId)
        .zremrangebyscore(INSTANCES, '-inf', now - STALE_MS)
        .exec();
    } catch (error) {
      this.logger.throttled('metrics-publish', 30_000, 'warn', 'could not publish metrics to Redis', { error });
    }
  }

  /** This instance's window alone. */
  localSummary(): MetricsSummary & { instances: number } {
    return { ...mergeSnapshots([this.metrics.snapshot()], Date.now(), this.metrics.windowMs / 1000), instances: 1 };
  }

  /**
   * The whole service's window; this instance alone when Redis cannot be read or does not answer
   * within 1 s (a stopped Redis must not hold a metrics answer, which a cutover samples every tick).
   */
  async summary(): Promise<MetricsSummary & { instances: number }> {
    return within(this.fleetSummary(), FLEET_READ_MS, () => this.localSummary());
  }

  /**
   * Every live instance's counters since it started (GET /api/stream_metrics/counters): this
   * instance's read now, the others' as last published (at most ~1 s old). This instance alone
   * when Redis cannot be read within 1 s: a reader then sees the others as gone for that read.
   */
  async counters(): Promise<CountersDocument> {
    const own = () => [this.metrics.counters(this.instanceId)];
    const instances = await within(this.fleetCounters(), FLEET_READ_MS, own);
    return { format: COUNTERS_FORMAT, timestamp: Date.now() / 1000, instances };
  }

  private async fleetCounters(): Promise<InstanceCountersJSON[]> {
    const own = this.metrics.counters(this.instanceId);
    const ids = (await this.redis.zrangebyscore(INSTANCES, Date.now() - STALE_MS, '+inf')).filter((id) => id !== this.instanceId);
    const others: InstanceCountersJSON[] = [];
    if (ids.length > 0) {
      const texts = await this.redis.mget(...ids.map(COUNTERS_KEY));
      for (const text of texts) {
        if (!text) continue;
        try {
          others.push(parseInstanceCounters(JSON.parse(text)));
        } catch {
          // Another build's format, or a corrupt record: left out, not misread.
        }
      }
    }
    return [own, ...others];
  }

  private async fleetSummary(): Promise<MetricsSummary & { instances: number }> {
    const now = Date.now();
    const own = this.metrics.snapshot();
    const windowSeconds = this.metrics.windowMs / 1000;
    const ids = (await this.redis.zrangebyscore(INSTANCES, now - STALE_MS, '+inf')).filter((id) => id !== this.instanceId);
    const others: WindowSnapshot[] = [];
    if (ids.length > 0) {
      const texts = await this.redis.mget(...ids.map(SNAPSHOT_KEY));
      for (const text of texts) {
        if (!text) continue;
        try {
          others.push(parseSnapshot(JSON.parse(text)));
        } catch {
          // An instance of another build publishes another format; it is left out, not misread.
        }
      }
    }
    return { ...mergeSnapshots([own, ...others], now, windowSeconds), instances: 1 + others.length };
  }
}
