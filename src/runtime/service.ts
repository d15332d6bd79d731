import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { errorMessage } from '../shared/errors.js';
import { isRedisClientError, plainRedisError } from '../shared/redis-errors.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { parseRedisUrl } from '../shared/redis-url.js';
import { AcceptanceLedger } from './acceptance-ledger.js';
import type { ConsistencyEndpoint } from './admin/consistency-endpoint.js';
import { AuditLog } from './audit-log.js';
import { checkBindPolicy } from './bind-policy.js';
import { noChaos } from './chaos.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js';
import { createHttpServer } from './http-server.js';
import { guardEvictionPolicy } from './eviction-guard.js';
import { lockDataDir } from './data-dir-lock.js';
import { LeaseStore } from './lease-store.js';
import { SlidingWindowMetrics } from './metrics/index.js';
import { MetricsExchange } from './metrics-exchange.js';
import { DEFAULT_SERVE_OPTIONS, INITIAL_RATIO, type ServeOptions } from './options.js';
import { RatioStore } from './ratio-store.js';
import { commandConnection, connectWhenReady, subscriberConnection } from './redis-connections.js';
import type { RuntimeContext } from './runtime-context.js';
import { describeDatabase, openSink } from './sinks/open-sink.js';
import type { Sink } from './sinks/sink.js';
import { BacklogMonitor } from './streams/backlog-monitor.js';
import { defaultConsumerPrefix } from './streams/consumer-fleet.js';
import { WorkerConsumers } from './streams/worker-consumers.js';
import { ensureGroup } from './streams/groups.js';
import { StreamProducer } from './streams/producer.js';
import { AppendConnection } from './streams/append-connection.js';
import { TraditionalQueue } from './traditional-queue.js';
import { recordsIn } from './records/queued-upload.js';
import { writeSpill } from './spill-file.js';
import { SpillReplay } from './spill-replay.js';
import { redisBatchDeadLetters } from './batch-dead-letters.js';
import { WorkerSink } from './sinks/worker-sink.js';
import { RECORD_KINDS, STREAMS, type RecordKind } from './wire-format.js';

export interface RunningService {
  readonly url: string;
  readonly port: number;
  readonly redisUrl: string;
  readonly databasePath: string;
  readonly context: RuntimeContext;
  /** Stops accepting, flushes the batch queue, finishes in-flight batches, stops an embedded Redis. Idempotent. */
  close(): Promise<{ unflushed: number }>;
}

export interface ServiceHooks {
  logger?: Logger;
  consistency?: (deps: { redisUrl: string; database: string; allowEviction?: boolean; batchQueue?: () => { queued: number; flushIntervalMs: number; oldestAcceptedAtMs: number | null } }) => ConsistencyEndpoint;
}

/** Queued records the batch path may hold before it answers 503; 200k rows is about 100 MB. */
const MAX_TRADITIONAL_QUEUE = 200_000;
const MONITOR_MS = 1_000;
/** XADD normally answers in well under a millisecond; 5 s without any reply is a hung server. */
const STALL_MS = 5_000;

export async function startService(partial: Partial<ServeOptions> = {}, hooks: ServiceHooks = {}): Promise<RunningService> {
  const options: ServeOptions = { ...DEFAULT_SERVE_OPTIONS, ...partial };
  // Which Redis a client error is about, for log lines in plain words; known once the URL is parsed.
  let redisForErrors = options.redisUrl ?? 'the embedded redis-server';
  const logger = hooks.logger ?? createLogger({
    level: options.logLevel,
    describeError: (error) => (isRedisClientError(error) ? plainRedisError(error, redisForErrors) : errorMessage(error)),
  });
  checkBindPolicy(options.host, options.adminToken, options.insecure);
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  // Before anything in the data dir is touched (its Redis above all); released last, after that Redis stopped.
  const lock = lockDataDir(dataDir);
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => lock.release()];

  try {
    let embedded: EmbeddedRedis | undefined;
    let redisUrl = options.redisUrl;
    if (!redisUrl) {
      embedded = await startEmbeddedRedis({ dir: join(dataDir, 'redis') });
      cleanups.unshift(() => embedded!.stop());
      redisUrl = embedded.url;
      if (embedded.adopted) logger.warn('reusing the embedded redis-server left running by an earlier run that did not stop cleanly', { url: redisUrl, dir: join(dataDir, 'redis') });
      else logger.info('started embedded redis-server', { url: redisUrl, dir: join(dataDir, 'redis') });
    }
    // Parsed once (a bad URL is exit 64 before anything is opened): every connection (ioredis, the
    // ingest socket, the consumers' thread) reads the same host, port, db, credentials and TLS.
    const endpoint = parseRedisUrl(redisUrl);
    redisForErrors = endpoint.display;
    const database = describeDatabase(options.database, dataDir);
    // Opened here for its schema work and messages (and a UsageError exit 64), then handed over:
    // the batch path writes through a thread of its own, never on the one answering HTTP.
    const schemaSink: Sink = await openSink(options.database, dataDir, logger, { noMigrate: options.noMigrate === true });
    const sink = new WorkerSink(schemaSink.description, { database: options.database, dataDir });
    cleanups.unshift(() => sink.close());
    await schemaSink.close();
    await sink.open();

    const redis = commandConnection(endpoint);
    const subscriber = subscriberConnection(endpoint);
    for (const connection of [redis, subscriber]) {
      connection.on('error', (error) => logger.throttled('redis-error', 10_000, 'warn', 'redis connection error', { error: errorMessage(error) }));
      cleanups.unshift(() => connection.disconnect());
    }
    await connectWhenReady(redis, endpoint, (attempt, error) => {
      if (attempt === 1 || attempt % 10 === 0) logger.warn('waiting for Redis', { url: endpoint.display, attempt, error: errorMessage(error) });
    });
    await guardEvictionPolicy(redis, redisUrl, options.allowEviction === true, logger);
    await subscriber.connect().catch(() => undefined);
    for (const kind of RECORD_KINDS) await ensureGroup(redis, STREAMS[kind]);
    // After Redis: a spilled record the database refuses becomes a dead letter there.
    const deadLetters = redisBatchDeadLetters(redis);
    const spills = new SpillReplay(dataDir, sink, deadLetters, logger);
    await spills.run();
    spills.keepTrying();
    cleanups.unshift(() => spills.stop());

    const ratio = new RatioStore(redis, subscriber, logger, options.ratio ?? INITIAL_RATIO);
    await ratio.start(options.ratio, INITIAL_RATIO);
    cleanups.unshift(() => ratio.stop());

    const metrics = new SlidingWindowMetrics({ windowMs: options.metricsWindowMs });
    const instanceId = `${defaultConsumerPrefix(options.port)}-${randomUUID().slice(0, 8)}`;
    const exchange = new MetricsExchange(redis, metrics, instanceId, logger);
    const breaker = new CircuitBreaker({ failureThreshold: 5, openMs: 1_000 });
    redis.on('close', () => breaker.open());
    const appender = new AppendConnection(endpoint, (connected) => {
      if (!connected) breaker.open();
    });
    await appender.open();
    cleanups.unshift(() => appender.close());
    const queue = new TraditionalQueue(sink, { batchSize: options.batchSize, flushIntervalMs: options.flushIntervalMs, maxQueued: MAX_TRADITIONAL_QUEUE }, logger, deadLetters);
    const monitors = Object.fromEntries(RECORD_KINDS.map((kind) => [kind, new BacklogMonitor(redis, STREAMS[kind], logger, options.maxBacklog ?? STREAMS[kind].maxLen)])) as Record<RecordKind, BacklogMonitor>;
    const consumers = new WorkerConsumers({
      fleet: {
        redis: endpoint, perStream: options.consumers, batch: options.consumerBatch, claimIdleMs: options.claimIdleMs,
        maxDeliveries: options.maxDeliveries, namePrefix: options.consumerNamePrefix ?? '',
      },
      database: options.database,
      dataDir,
    }, logger);

    const context: RuntimeContext = {
      options, logger, redis, ratio, metrics, exchange, breaker, queue, monitors, consumers, spills,
      producer: new StreamProducer(redis, appender),
      ledger: new AcceptanceLedger(redis, logger),
      lease: new LeaseStore(redis),
      audit: new AuditLog(redis),
      chaos: noChaos(),
      counters: { fallbacks: 0, backpressured: 0, chaosErrors: 0, streamErrors: 0, lastErrorTime: undefined },
      // The check inside serve counts the records waiting in this queue as in flight.
      consistency: hooks.consistency?.({ redisUrl, database: database.location, allowEviction: options.allowEviction === true, batchQueue: () => ({ queued: queue.length + queue.inWrite, flushIntervalMs: options.flushIntervalMs, oldestAcceptedAtMs: queue.oldestAcceptedAtMs ?? null }) }),
      state: 'starting',
    };

    const server = createHttpServer(context);
    await listen(server, options.port, options.host);
    // Should start-up fail after this (the consumers' thread cannot connect), the port must not keep the process alive.
    cleanups.unshift(() => new Promise<void>((resolveClose) => server.close(() => resolveClose())));
    const port = (server.address() as AddressInfo).port;
    consumers.setNamePrefix(options.consumerNamePrefix ?? defaultConsumerPrefix(port));
    await consumers.start();
    exchange.start();
    const monitorTimer = setInterval(() => {
      void context.ledger.flush();
      const stalled = context.producer.stalledFor(Date.now());
      if (stalled > STALL_MS) {
        // A Redis that accepts the connection but never answers: fail what waits (it falls back
        // to the batch path under the same ingest key) and reconnect.
        logger.error('Redis has not answered for too long; reconnecting', { waited_ms: stalled });
        breaker.open();
        appender.reconnect();
      }
      for (const kind of RECORD_KINDS) {
        monitors[kind].check().catch((error) => logger.throttled(`monitor-${kind}`, 30_000, 'warn', 'could not read stream backlog', { stream: STREAMS[kind].stream, error: errorMessage(error) }));
      }
    }, MONITOR_MS);
    monitorTimer.unref();
    await Promise.all(RECORD_KINDS.map((kind) => monitors[kind].check().catch(() => undefined)));
    context.state = 'ready';
    const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
    lock.describe(url);
    logger.info('streamctl serve is ready', { url, redis: endpoint.display, database: database.kind === 'sqlite' ? database.location : database.kind, ratio: ratio.current, routing: options.routing, consumers: consumers.size });

    let closing: Promise<{ unflushed: number }> | undefined;
    const close = () => {
      closing ??= (async () => {
        const deadline = Date.now() + options.shutdownTimeoutMs;
        context.state = 'draining';
        clearInterval(monitorTimer);
        exchange.stop();
        await closeServer(server, deadline);
        const left = await queue.close(deadline);
        let unflushed = recordsIn(left);
        if (unflushed > 0) {
          try {
            const file = writeSpill(dataDir, left);
            logger.error('the database did not take every batch-path record before the deadline; they are kept in a spill file and written at the next start', { records: unflushed, file });
            unflushed = 0;
          } catch (error) {
            logger.critical('batch-path records could not be written nor spilled: they are lost', { records: unflushed, error: errorMessage(error) });
          }
        }
        if (!consumers.halted) await drainStreams(monitors, deadline);
        await consumers.close();
        await context.ledger.flush();
        for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => undefined);
        logger.info('streamctl serve stopped', { unflushed });
        return { unflushed };
      })();
      return closing;
    };
    return { url, port, redisUrl, databasePath: database.location, context, close };
  } catch (error) {
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => undefined);
    throw error;
  }
}

/**
 * Keeps the consumers running until every stream's backlog is persisted or the deadline passes:
 * with one instance, a clean stop leaves rows = accepted. Whatever remains stays pending in Redis.
 */
async function drainStreams(monitors: Record<RecordKind, BacklogMonitor>, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const backlogs = await Promise.all(RECORD_KINDS.map((kind) => monitors[kind].check().then((b) => b.unconsumed, () => 0)));
    if (backlogs.every((b) => b === 0)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    // Node's default accept backlog of 511 leaves a burst of thousands of devices connecting at
    // once waiting on SYN retries; the kernel caps this at net.core.somaxconn.
    server.listen({ port, host, backlog: 8_192 }, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
}

/** Lets in-flight requests finish (their uploads are accepted and must be kept), then cuts the rest. */
async function closeServer(server: Server, deadline: number): Promise<void> {
  const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), Math.max(0, deadline - Date.now()));
  await closed;
  clearTimeout(timer);
}
