import type { Redis } from 'ioredis';
import { deadLetterStream, type StreamDefinition } from '../wire-format.js';

export interface DeadLetter {
  id: string;
  fields: string[] | null;
  reason: string;
  deliveries: number;
  consumer: string;
}

/**
 * Moves records that can never be persisted aside, with why and how often they were tried, and
 * acks them in the same transaction: the batch behind them moves on and nothing is dropped.
 */
export async function deadLetter(redis: Redis, definition: StreamDefinition, letters: DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  const multi = redis.multi();
  for (const letter of letters) {
    multi.xadd(
      deadLetterStream(definition.stream), '*',
      'original_id', letter.id,
      'stream', definition.stream,
      'group', definition.group,
      'reason', letter.reason.slice(0, 1_000),
      'deliveries', String(letter.deliveries),
      'consumer', letter.consumer,
      'failed_at', String(Date.now()),
      ...(letter.fields ?? []),
    );
  }
  multi.xack(definition.stream, definition.group, ...letters.map((l) => l.id));
  const results = await multi.exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error('dead-letter transaction discarded');
}
