import type { Redis } from 'ioredis';
import { deadline } from '../shared/within.js';
import type { SourcedUpload } from './records/queued-upload.js';
import { deadLetterStream, encodeEntryFields, STREAMS, UPLOAD_METHOD_FIELD } from './wire-format.js';

export interface BatchDeadLetter {
  upload: SourcedUpload;
  reason: string;
}

/** Puts batch-path records the database refused aside, durably; throws when they could not be (they stay where they were). */
export type BatchDeadLetters = (letters: readonly BatchDeadLetter[]) => Promise<void>;

/** Dead letters from the batch path name this as their consumer, so `streamctl dlq` tells them apart. */
export const BATCH_PATH_CONSUMER = 'batch-path';
/** One MULTI of XADDs answers in milliseconds; a Redis silent this long must not stall the batch path. */
const DEAD_LETTER_TIMEOUT_MS = 5_000;

/**
 * Batch-path dead letters go where the stream path's go, `<stream>:dlq`, with the same header
 * (dead-letter.ts) and, after it, the stream entry the upload would have been plus
 * `upload_method optimized`. Why there and not in a file: `streamctl dlq` lists, shows, patches
 * and replays them like any other; the consistency check counts them as dead-lettered on the
 * batch path (not lost); and a replay (through the stream, dlq-routes.ts) stores the rows under
 * the same ingest ids and upload method the batch path would have used. There is no stream entry
 * behind them, so no `original_id` and nothing to ack. When Redis cannot take them, the caller
 * keeps the records (traditional-queue.ts holds them, a spill file keeps them at shutdown).
 */
export function redisBatchDeadLetters(redis: Redis): BatchDeadLetters {
  return async (letters) => {
    if (letters.length === 0) return;
    const multi = redis.multi();
    const failedAt = String(Date.now());
    for (const { upload, reason } of letters) {
      const { kind, rawData, deviceSn, acceptedAtMs, ingestKey } = upload.source;
      const definition = STREAMS[kind];
      multi.xadd(
        deadLetterStream(definition.stream), '*',
        'stream', definition.stream,
        'group', definition.group,
        'reason', reason.slice(0, 1_000),
        'deliveries', '1',
        'consumer', BATCH_PATH_CONSUMER,
        'failed_at', failedAt,
        ...encodeEntryFields(kind, rawData, deviceSn, acceptedAtMs, ingestKey),
        UPLOAD_METHOD_FIELD, 'optimized',
      );
    }
    const results = await deadline(multi.exec(), DEAD_LETTER_TIMEOUT_MS, 'dead-letter XADD');
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('dead-letter transaction discarded');
  };
}
