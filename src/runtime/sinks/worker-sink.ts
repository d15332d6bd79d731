import { Worker } from 'node:worker_threads';
import type { RowBatch } from '../records/rows.js';
import type { Sink, WriteResult } from './sink.js';
import type { FromSinkWorker, SinkErrorShape, SinkWorkerData, ToSinkWorker } from './sink-worker-protocol.js';

/** How long close() lets the thread finish a write in hand before it is terminated. */
const CLOSE_GRACE_MS = 2_000;

/** A write the database thread failed: the engine's message and code, and whether it is about the rows. */
export class SinkWorkerError extends Error {
  readonly code: string | undefined;
  readonly recordError: boolean;

  constructor(shape: SinkErrorShape) {
    super(shape.message);
    this.name = shape.name;
    this.code = shape.code;
    this.recordError = shape.recordError;
  }
}

/**
 * Under the test runner this module is loaded from its TypeScript source; the thread runs the
 * build beside it (kept fresh by the tests' global set-up), as worker-consumers.ts does.
 */
function workerEntry(): URL {
  const url = import.meta.url;
  if (url.endsWith('.ts')) return new URL(url.replace('/src/runtime/sinks/', '/dist/runtime/sinks/').replace(/worker-sink\.ts$/, 'sink-worker.js'));
  return new URL('./sink-worker.js', url);
}

interface Waiting {
  resolve: (result: WriteResult) => void;
  reject: (error: Error) => void;
}

/**
 * A Sink whose transactions run on a thread of its own (sink-worker.ts), so the batch path's
 * commits never hold up the event loop that answers uploads and the rollback: the HTTP thread
 * only hands the rows over (a structured clone, bounded by the batch) and waits on a promise.
 * A thread that dies fails what it had in hand (not a record error: the rows are kept and
 * retried) and is started again by the next write.
 */
export class WorkerSink implements Sink {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private closed = false;

  constructor(
    readonly description: string,
    private readonly data: SinkWorkerData,
  ) {}

  /** Starts the thread and opens the database there; rejects with the engine's error when it cannot. */
  async open(): Promise<void> {
    await this.spawn();
  }

  async write(batch: RowBatch): Promise<WriteResult> {
    if (this.closed) throw new Error('the batch path database thread is closed');
    await this.spawn();
    const worker = this.worker!;
    const id = this.nextId++;
    return new Promise<WriteResult>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ type: 'write', id, batch } satisfies ToSinkWorker);
    });
  }

  isRecordError(error: unknown): boolean {
    return error instanceof SinkWorkerError && error.recordError;
  }

  /** Lets a write in hand finish for up to 2 s, then ends the thread; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'close', id: this.nextId++ } satisfies ToSinkWorker);
    const timer = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
    await Promise.race([exited, timer]);
    // A thread stuck in a synchronous busy wait stops when that returns; nobody waits for it.
    void worker.terminate().catch(() => undefined);
  }

  private spawn(): Promise<void> {
    if (this.ready) return this.ready;
    const worker = new Worker(workerEntry(), { workerData: this.data });
    this.worker = worker;
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromSinkWorker) => {
        switch (message.type) {
          case 'ready':
            resolve();
            break;
          case 'open_failed':
            reject(new SinkWorkerError(message.error));
            break;
          case 'written':
            this.settle(message.id)?.resolve(message.result);
            break;
          case 'failed':
            this.settle(message.id)?.reject(new SinkWorkerError(message.error));
            break;
          case 'closed':
            break;
        }
      });
      worker.once('error', (error) => reject(error));
      worker.once('exit', (code) => {
        reject(new Error(`the batch path database thread exited (code ${code}) before it was ready`));
        this.onExit(worker, code);
      });
    });
    this.ready = ready;
    ready.catch(() => {
      if (this.worker === worker) this.forget();
    });
    return ready;
  }

  private settle(id: number): Waiting | undefined {
    const waiting = this.waiting.get(id);
    this.waiting.delete(id);
    return waiting;
  }

  private onExit(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.forget();
    for (const waiting of this.waiting.values()) waiting.reject(new Error(`the batch path database thread exited (code ${code}) during a write`));
    this.waiting.clear();
  }

  private forget(): void {
    this.worker = undefined;
    this.ready = undefined;
  }
}
