import { Worker } from 'node:worker_threads';
import { UnreachableError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { RECORD_KINDS } from '../wire-format.js';
import type { ConsumerStats } from './consumer.js';
import type { ConsumerWorkerData, FromWorker, ToWorker } from './consumer-worker-protocol.js';
import type { Consumers } from './consumers.js';

const RESTART_MS = 1_000;
const CLOSE_TIMEOUT_MS = 30_000;

/**
 * The worker runs the built JavaScript. Under the test runner this module is loaded from its
 * TypeScript source, so the worker is taken from the build beside it (kept fresh by the tests'
 * global set-up).
 */
function workerEntry(): URL {
  const url = import.meta.url;
  if (url.endsWith('.ts')) return new URL(url.replace('/src/runtime/streams/', '/dist/runtime/streams/').replace(/worker-consumers\.ts$/, 'consumer-worker.js'));
  return new URL('./consumer-worker.js', url);
}

/** The consumers, run on a thread of their own; same controls as in-process ones. */
export class WorkerConsumers implements Consumers {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly waiting = new Map<number, () => void>();
  private nextId = 1;
  private latest: { stats: Record<string, ConsumerStats>; running: number } = { stats: {}, running: 0 };
  private namePrefix: string;
  private closing = false;
  private wanted = false;
  private everStarted = false;
  halted = false;

  constructor(
    private readonly data: ConsumerWorkerData,
    private readonly logger: Logger,
  ) {
    this.namePrefix = data.fleet.namePrefix;
  }

  get size(): number {
    return this.data.fleet.perStream * RECORD_KINDS.length;
  }

  get running(): number {
    return this.worker ? this.latest.running : 0;
  }

  setNamePrefix(prefix: string): void {
    this.namePrefix = prefix;
  }

  stats(): Record<string, ConsumerStats> {
    return this.latest.stats;
  }

  async start(): Promise<void> {
    this.halted = false;
    this.wanted = true;
    try {
      await this.spawn();
    } catch (error) {
      // The first start fails serve's start-up; a restart after a crash keeps being retried.
      if (!this.everStarted) this.wanted = false;
      throw error;
    }
    this.everStarted = true;
    await this.request({ type: 'start', namePrefix: this.namePrefix, id: this.nextId++ });
  }

  async stop(): Promise<void> {
    this.halted = true;
    this.wanted = false;
    if (this.worker) await this.request({ type: 'stop', id: this.nextId++ });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.wanted = false;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
    await Promise.race([this.request({ type: 'close', id: this.nextId++ }), exited]);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
    clearTimeout(timer);
    if (this.worker) await worker.terminate();
    this.worker = undefined;
  }

  private spawn(): Promise<void> {
    if (this.ready) return this.ready;
    const worker = new Worker(workerEntry(), { workerData: this.data });
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      let started = false;
      const onMessage = (message: FromWorker) => {
        if (message.type === 'ready') started = true;
        // A thread that cannot even start (its Redis connection refused or silent past the
        // bound) fails start(): serve exits naming the cause instead of waiting for ever.
        if (message.type === 'failed' && !started) {
          reject(new UnreachableError(`the consumer thread could not start: ${message.error}`));
          void worker.terminate();
        }
        this.onMessage(message, resolve);
      };
      worker.on('message', onMessage);
      worker.once('error', (error) => {
        this.logger.error('the consumer thread failed', { error: error.message });
        reject(error);
      });
      worker.once('exit', (code) => this.onExit(code));
    });
    this.ready.catch(() => undefined);
    return this.ready;
  }

  private onMessage(message: FromWorker, ready: () => void): void {
    switch (message.type) {
      case 'ready':
        ready();
        break;
      case 'stats':
        this.latest = { stats: message.stats, running: message.running };
        break;
      case 'done':
        this.latest = { stats: message.stats, running: message.running };
        this.waiting.get(message.id)?.();
        this.waiting.delete(message.id);
        break;
      case 'log':
        this.logger[message.level](message.message, message.fields);
        break;
      case 'failed':
        this.logger.error('the consumer thread reported a failure', { error: message.error });
        break;
    }
  }

  /** A thread that dies is started again: what it had read stays pending under its stable names. */
  private onExit(code: number): void {
    this.worker = undefined;
    this.ready = undefined;
    this.latest = { stats: this.latest.stats, running: 0 };
    for (const resolve of this.waiting.values()) resolve();
    this.waiting.clear();
    if (this.closing) return;
    if (!this.wanted) {
      this.logger.error('the consumer thread exited', { code });
      return;
    }
    this.logger.error('the consumer thread exited; starting it again', { code, in_ms: RESTART_MS });
    setTimeout(() => {
      if (this.wanted && !this.closing) void this.start().catch(() => undefined);
    }, RESTART_MS).unref();
  }

  private async request(message: ToWorker): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await this.ready;
    await new Promise<void>((resolve) => {
      this.waiting.set(message.id, resolve);
      worker.postMessage(message);
    });
  }
}
