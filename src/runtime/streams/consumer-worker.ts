import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../../shared/errors.js';
import type { LogFields, Logger, LogLevel } from '../../shared/logger.js';
import { commandConnection, connectWhenReady } from '../redis-connections.js';
import { openSink } from '../sinks/open-sink.js';
import { ConsumerFleet } from './consumer-fleet.js';
import type { ConsumerWorkerData, FromWorker, ToWorker } from './consumer-worker-protocol.js';

/**
 * The consumers' thread: reading, decoding and the database transactions run here, so a batch
 * commit never holds up an HTTP answer on the ingest thread (a 200-row SQLite transaction is
 * several milliseconds, longer than the p99 the ingest path aims for).
 */
const port = parentPort!;
const data = workerData as ConsumerWorkerData;
const post = (message: FromWorker) => port.postMessage(message);
const STATS_MS = 250;

function forwardingLogger(): Logger {
  const throttle = new Map<string, number>();
  const log = (level: LogLevel) => (message: string, fields?: LogFields) => post({ type: 'log', level, message, fields: plain(fields) });
  return {
    debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), critical: log('critical'),
    throttled(key, everyMs, level, message, fields) {
      const now = Date.now();
      if (now - (throttle.get(key) ?? 0) < everyMs) return;
      throttle.set(key, now);
      post({ type: 'log', level, message, fields: plain(fields) });
    },
  };
}

/** Errors do not survive structured cloning with their message intact everywhere; send text. */
function plain(fields: LogFields | undefined): LogFields | undefined {
  if (!fields) return undefined;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? v.message : v]));
}

async function main(): Promise<void> {
  const logger = forwardingLogger();
  const sink = await openSink(data.database, data.dataDir);
  const redis = commandConnection(data.fleet.redis, 'streamctl-consumers');
  redis.on('error', (error) => logger.throttled('consumer-redis', 10_000, 'warn', 'consumer redis connection error', { error: errorMessage(error) }));
  // Bounded as the main thread's wait: a connection that cannot open is reported ('failed'), never a silent hang.
  try {
    await connectWhenReady(redis, data.fleet.redis, () => undefined);
  } catch (error) {
    redis.disconnect();
    await sink.close().catch(() => undefined);
    throw error;
  }
  const fleet = new ConsumerFleet(redis, sink, data.fleet, logger);
  const snapshot = () => ({ stats: fleet.stats(), running: fleet.running });
  const timer = setInterval(() => post({ type: 'stats', ...snapshot() }), STATS_MS);

  port.on('message', async (message: ToWorker) => {
    try {
      if (message.type === 'start') {
        fleet.setNamePrefix(message.namePrefix);
        fleet.start();
      } else if (message.type === 'stop') {
        await fleet.stop();
      } else if (message.type === 'close') {
        clearInterval(timer);
        await fleet.close();
        await sink.close();
        redis.disconnect();
      }
      post({ type: 'done', id: message.id, ...snapshot() });
      if (message.type === 'close') port.close();
    } catch (error) {
      post({ type: 'failed', error: errorMessage(error) });
    }
  });
  post({ type: 'ready' });
}

main().catch((error) => post({ type: 'failed', error: errorMessage(error) }));
