import type { ConsumerStats } from './consumer.js';

/** What the service asks of its consumers, wherever they run (in this thread or a worker). */
export interface Consumers {
  readonly halted: boolean;
  readonly running: number;
  readonly size: number;
  setNamePrefix(prefix: string): void;
  start(): Promise<void>;
  /** Stops reading; each consumer finishes and acks the batch in hand first. */
  stop(): Promise<void>;
  stats(): Record<string, ConsumerStats>;
  close(): Promise<void>;
}
