import type { LogFields, LogLevel } from '../../shared/logger.js';
import type { ConsumerStats } from './consumer.js';
import type { FleetOptions } from './consumer-fleet.js';

export interface ConsumerWorkerData {
  fleet: FleetOptions;
  database: string | undefined;
  dataDir: string;
}

export type ToWorker =
  | { type: 'start'; namePrefix: string; id: number }
  | { type: 'stop'; id: number }
  | { type: 'close'; id: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number; stats: Record<string, ConsumerStats>; running: number }
  | { type: 'stats'; stats: Record<string, ConsumerStats>; running: number }
  | { type: 'log'; level: LogLevel; message: string; fields?: LogFields }
  | { type: 'failed'; error: string };
