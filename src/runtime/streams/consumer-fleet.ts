import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/logger.js';
import type { RedisEndpoint } from '../../shared/redis-url.js';
import { blockingConnection } from '../redis-connections.js';
import type { Sink } from '../sinks/sink.js';
import { RECORD_KINDS, STREAMS } from '../wire-format.js';
import { StreamConsumer, type ConsumerStats } from './consumer.js';
import type { Consumers } from './consumers.js';

export interface FleetOptions {
  /** The process's one parsed Redis URL; plain data, so it crosses to the consumers' thread as is. */
  redis: RedisEndpoint;
  perStream: number;
  batch: number;
  claimIdleMs: number;
  maxDeliveries: number;
  namePrefix: string;
}

/** The spec's BLOCK 1000: long enough to idle cheaply, short enough to stop within a second. */
const BLOCK_MS = 1_000;
const GHOST_IDLE_MS = 3_600_000;

export function defaultConsumerPrefix(port: number): string {
  return `${hostname()}-${port}`;
}

/** Every consumer of this process, over the three streams; started, halted and drained together. */
export class ConsumerFleet implements Consumers {
  private readonly consumers: StreamConsumer[] = [];
  private readonly connections: Redis[] = [];
  halted = false;

  constructor(
    private readonly redis: Redis,
    private readonly sink: Sink,
    private readonly options: FleetOptions,
    private readonly logger: Logger,
  ) {}

  /** Names depend on the bound port, known only after listen; they are fixed at the first start. */
  setNamePrefix(prefix: string): void {
    if (this.consumers.length === 0) this.options.namePrefix = prefix;
  }

  private create(): void {
    const { options } = this;
    for (const kind of RECORD_KINDS) {
      for (let index = 0; index < options.perStream; index++) {
        const name = `${options.namePrefix}-${kind}-${index}`;
        const connection = blockingConnection(options.redis, `streamctl-consumer-${name}`);
        connection.on('error', () => undefined);
        this.connections.push(connection);
        this.consumers.push(
          new StreamConsumer(connection, this.redis, this.sink, {
            definition: STREAMS[kind], name, batch: options.batch, blockMs: BLOCK_MS,
            claimIdleMs: options.claimIdleMs, maxDeliveries: options.maxDeliveries,
            // One member per stream and process sweeps for ghosts; an hour outlives any restart.
            ghostIdleMs: index === 0 ? GHOST_IDLE_MS : 0,
          }, this.logger),
        );
      }
    }
  }

  async start(): Promise<void> {
    if (this.consumers.length === 0) this.create();
    this.halted = false;
    for (const consumer of this.consumers) consumer.start();
  }

  /** Stops reading; each consumer finishes and acks the batch in hand first. */
  async stop(): Promise<void> {
    this.halted = true;
    await Promise.all(this.consumers.map((c) => c.stop()));
  }

  get running(): number {
    return this.consumers.filter((c) => c.running).length;
  }

  get size(): number {
    return this.options.perStream * RECORD_KINDS.length;
  }

  stats(): Record<string, ConsumerStats> {
    return Object.fromEntries(this.consumers.map((c) => [c.stats().consumer, c.stats()]));
  }

  async close(): Promise<void> {
    await this.stop();
    for (const connection of this.connections) connection.disconnect();
  }
}
