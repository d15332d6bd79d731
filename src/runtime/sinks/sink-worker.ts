import { parentPort, workerData } from 'node:worker_threads';
import { openSink } from './open-sink.js';
import type { Sink } from './sink.js';
import type { FromSinkWorker, SinkErrorShape, SinkWorkerData, ToSinkWorker } from './sink-worker-protocol.js';

/**
 * The batch path's database thread (worker-sink.ts). better-sqlite3 is synchronous: a commit, an
 * fsync, or a wait of up to busy_timeout (5 s) on a database another connection has locked
 * blocks the thread that runs it. Here that thread is this one, never the one answering HTTP.
 */
const port = parentPort!;
const data = workerData as SinkWorkerData;
const post = (message: FromSinkWorker) => port.postMessage(message);

function shapeOf(error: unknown, sink: Sink | undefined): SinkErrorShape {
  const code = (error as { code?: unknown })?.code;
  return {
    name: error instanceof Error ? error.name : 'Error',
    message: error instanceof Error ? error.message : String(error),
    code: typeof code === 'string' ? code : undefined,
    recordError: sink ? sink.isRecordError(error) : false,
  };
}

async function main(): Promise<void> {
  let sink: Sink;
  try {
    sink = await openSink(data.database, data.dataDir);
  } catch (error) {
    post({ type: 'open_failed', error: shapeOf(error, undefined) });
    return;
  }
  port.on('message', (message: ToSinkWorker) => {
    if (message.type === 'write') {
      sink.write(message.batch).then(
        (result) => post({ type: 'written', id: message.id, result }),
        (error) => post({ type: 'failed', id: message.id, error: shapeOf(error, sink) }),
      );
    } else {
      void sink.close().catch(() => undefined).finally(() => {
        post({ type: 'closed', id: message.id });
        port.close();
      });
    }
  });
  post({ type: 'ready' });
}

void main();
