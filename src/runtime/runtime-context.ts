import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger.js';
import type { AcceptanceLedger } from './acceptance-ledger.js';
import type { AuditLog } from './audit-log.js';
import type { ChaosSettings } from './chaos.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { Consumers } from './streams/consumers.js';
import type { LeaseStore } from './lease-store.js';
import type { SlidingWindowMetrics } from './metrics/index.js';
import type { MetricsExchange } from './metrics-exchange.js';
import type { ServeOptions } from './options.js';
import type { RatioStore } from './ratio-store.js';
import type { BacklogMonitor } from './streams/backlog-monitor.js';
import type { StreamProducer } from './streams/producer.js';
import type { TraditionalQueue } from './traditional-queue.js';
import type { SpillReplay } from './spill-replay.js';
import type { RecordKind } from './wire-format.js';
import type { ConsistencyEndpoint } from './admin/consistency-endpoint.js';

export type ServiceState = 'starting' | 'ready' | 'draining';

export interface Counters {
  fallbacks: number;
  backpressured: number;
  chaosErrors: number;
  streamErrors: number;
  lastErrorTime: number | undefined;
}

/** What the HTTP handlers work with; built once by the service and never reassigned. */
export interface RuntimeContext {
  readonly options: ServeOptions;
  readonly logger: Logger;
  readonly redis: Redis;
  readonly ratio: RatioStore;
  readonly metrics: SlidingWindowMetrics;
  readonly exchange: MetricsExchange;
  readonly producer: StreamProducer;
  readonly ledger: AcceptanceLedger;
  readonly queue: TraditionalQueue;
  /** Spill files of an earlier shutdown still being written; absent in contexts built without one. */
  readonly spills?: SpillReplay;
  readonly breaker: CircuitBreaker;
  readonly monitors: Record<RecordKind, BacklogMonitor>;
  readonly consumers: Consumers;
  readonly lease: LeaseStore;
  readonly audit: AuditLog;
  readonly chaos: ChaosSettings;
  readonly counters: Counters;
  readonly consistency: ConsistencyEndpoint | undefined;
  state: ServiceState;
}
