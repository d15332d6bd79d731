import type { Redis } from 'ioredis';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { batchSize, type RowBatch } from '../records/rows.js';
import { uploadToRows, UnpersistableRecordError } from '../records/to-rows.js';
import type { Sink } from '../sinks/sink.js';
import { writeIsolating } from '../sinks/write-isolating.js';
import { decodeEntry, EntryDecodeError, type StreamDefinition } from '../wire-format.js';
import { deadLetter, type DeadLetter } from './dead-letter.js';
import { ensureGroup } from './groups.js';
import { autoclaimOf, entriesOf, trimmedCounterKey, type RawEntry } from './reply.js';

export interface ConsumerOptions {
  definition: StreamDefinition;
  /** Stable across restarts, so a restarted consumer finds its own pending entries. */
  name: string;
  batch: number;
  blockMs: number;
  claimIdleMs: number;
  maxDeliveries: number;
  /** Consumers idle this long with nothing pending are removed from the group; 0 disables. */
  ghostIdleMs?: number;
}

export interface ConsumerStats {
  consumer: string;
  stream: string;
  group: string;
  /** The original's names (`BaseStreamConsumer.stats` in the reference service), which dashboards read. */
  processed_messages: number;
  records_persisted: number;
  processed_batches: number;
  errors: number;
  dead_lettered: number;
  trimmed_before_consumed: number;
  claimed: number;
  /** Failed rounds in a row (a read or a write); 0 once a round succeeds. Health reads it: the path cannot write. */
  consecutive_errors: number;
  last_error: string | null;
  /** HTTP-date text, as the original's Flask serialises its `datetime` (`Sun, 29 Nov 2026 20:11:54 GMT`). */
  start_time: string;
  runtime_seconds: number;
  messages_per_second: number;
  running: boolean;
}

interface Prepared {
  id: string;
  fields: string[];
  rows: RowBatch;
}

/** A read that has not answered 5 s after its BLOCK ended is a hung connection (ioredis #610, bullmq #648). */
const WATCHDOG_GRACE_MS = 5_000;
const MAX_BACKOFF_MS = 5_000;

/**
 * One member of a consumer group. It first re-reads its own pending entries (a restart after a
 * crash), then new ones; commits each batch in one transaction and acks after the commit, so a
 * crash anywhere means redelivery, never loss, and the unique ingest id makes redelivery harmless.
 */
export class StreamConsumer {
  private stopping = false;
  private loop: Promise<void> | undefined;
  private lastClaimAt = 0;
  private consecutiveErrors = 0;
  private lastError: string | null = null;
  private readonly startedAt = Date.now();
  private readonly counters = { processed: 0, persisted: 0, batches: 0, errors: 0, deadLettered: 0, trimmed: 0, claimed: 0 };
  /** Entries asked for per read: the configured batch, grown while reads come back full. */
  private count: number;

  constructor(
    private readonly blocking: Redis,
    private readonly redis: Redis,
    private readonly sink: Sink,
    private readonly options: ConsumerOptions,
    private readonly logger: Logger,
  ) {
    this.count = options.batch;
  }

  get running(): boolean {
    return this.loop !== undefined && !this.stopping;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run().finally(() => {
      this.loop = undefined;
    });
  }

  /** Finishes and acks the batch in hand, then returns; idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  stats(): ConsumerStats {
    const runtime = (Date.now() - this.startedAt) / 1000;
    return {
      consumer: this.options.name,
      stream: this.options.definition.stream,
      group: this.options.definition.group,
      processed_messages: this.counters.processed,
      records_persisted: this.counters.persisted,
      processed_batches: this.counters.batches,
      errors: this.counters.errors,
      dead_lettered: this.counters.deadLettered,
      trimmed_before_consumed: this.counters.trimmed,
      claimed: this.counters.claimed,
      consecutive_errors: this.consecutiveErrors,
      last_error: this.lastError,
      start_time: new Date(this.startedAt).toUTCString(),
      runtime_seconds: Math.round(runtime * 10) / 10,
      messages_per_second: runtime > 0 ? Math.round((this.counters.processed / runtime) * 10) / 10 : 0,
      running: this.running,
    };
  }

  private async run(): Promise<void> {
    const { definition } = this.options;
    let ownPendingCursor: string | undefined = '0';
    // The next read, sent before a full batch is written: Redis prepares it while the database works.
    let ahead: Promise<unknown> | undefined;
    while (!this.stopping) {
      try {
        if (this.blocking.status === 'wait') await this.blocking.connect();
        if (ownPendingCursor !== undefined) {
          // Entries delivered to this name before a crash; reading from an id walks that history once.
          const entries = entriesOf(await this.read(ownPendingCursor, 0));
          ownPendingCursor = entries.length === 0 ? undefined : entries[entries.length - 1]![0];
          if (entries.length > 0) await this.process(entries);
          continue;
        }
        if (Date.now() - this.lastClaimAt >= Math.min(this.options.claimIdleMs, 5_000)) await this.claimIdle();
        const reply = ahead ? await ahead : await this.read('>', this.options.blockMs);
        ahead = undefined;
        const entries = entriesOf(reply);
        // Read after a stop was asked: left pending under this stable name, re-read at the next start.
        if (this.stopping) break;
        this.count = nextCount(this.count, entries.length, this.options.batch);
        if (entries.length > 0 && entries.length >= this.count / 2) ahead = this.read('>', 0);
        if (entries.length > 0) await this.process(entries);
        this.consecutiveErrors = 0;
      } catch (error) {
        // Whatever a read-ahead fetched is pending under this name and is walked again below.
        ahead?.catch(() => undefined);
        ahead = undefined;
        this.counters.errors++;
        this.consecutiveErrors++;
        const message = errorMessage(error);
        this.lastError = message;
        if (message.includes('NOGROUP')) await ensureGroup(this.redis, definition).catch(() => undefined);
        // What failed is pending under this name: walk it again first once the back-off is over.
        ownPendingCursor = '0';
        this.logger.throttled(`consumer-${this.options.name}`, 10_000, 'warn', 'consumer error; backing off', { consumer: this.options.name, stream: definition.stream, error: message });
        await sleep(Math.min(100 * 2 ** Math.min(this.consecutiveErrors, 6), MAX_BACKOFF_MS));
      }
    }
  }

  private async read(from: string, blockMs: number): Promise<unknown> {
    const { definition, name } = this.options;
    const args: Array<string | number> = ['GROUP', definition.group, name, 'COUNT', this.count];
    if (blockMs > 0) args.push('BLOCK', blockMs);
    args.push('STREAMS', definition.stream, from);
    const read = (this.blocking as unknown as { xreadgroup(...a: Array<string | number>): Promise<unknown> }).xreadgroup(...args);
    let timer: NodeJS.Timeout | undefined;
    const watchdog = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.blocking.disconnect(true);
        reject(new Error(`XREADGROUP gave no answer within ${blockMs + WATCHDOG_GRACE_MS} ms; reconnected`));
      }, blockMs + WATCHDOG_GRACE_MS);
    });
    try {
      return await Promise.race([read, watchdog]);
    } finally {
      clearTimeout(timer);
      read.catch(() => undefined);
    }
  }

  /** Takes over entries idle too long under any name: a dead consumer's, or this one's failed ones. */
  private async claimIdle(): Promise<void> {
    this.lastClaimAt = Date.now();
    const { definition, name, batch, claimIdleMs } = this.options;
    let cursor = '0-0';
    // Bounded per cycle so new entries are not starved behind a large reclaim.
    for (let round = 0; round < 10 && !this.stopping; round++) {
      const reply = autoclaimOf(await this.redis.xautoclaim(definition.stream, definition.group, name, claimIdleMs, cursor, 'COUNT', batch));
      if (reply.deleted.length > 0) await this.countTrimmed(reply.deleted);
      const live = reply.entries.filter(([, fields]) => fields !== null);
      this.counters.claimed += live.length;
      if (live.length > 0) await this.process(live);
      cursor = reply.cursor;
      if (cursor === '0-0') break;
    }
    if (this.options.ghostIdleMs) await this.removeGhosts(this.options.ghostIdleMs);
  }

  /**
   * Names left behind by consumers that will not come back. Only those with nothing pending go:
   * XGROUP DELCONSUMER would drop a consumer's pending entries with it (redis #9745). A live
   * consumer removed here is recreated by its next read.
   */
  private async removeGhosts(idleMs: number): Promise<void> {
    const { definition, name } = this.options;
    const consumers = (await this.redis.xinfo('CONSUMERS', definition.stream, definition.group)) as unknown[][];
    for (const raw of consumers) {
      const info: Record<string, unknown> = {};
      for (let i = 0; i + 1 < raw.length; i += 2) info[String(raw[i])] = raw[i + 1];
      if (info.name === name || Number(info.pending) > 0 || Number(info.idle) < idleMs) continue;
      await this.redis.xgroup('DELCONSUMER', definition.stream, definition.group, String(info.name));
      this.logger.info('removed a consumer that has been gone a long time with nothing pending', { stream: definition.stream, consumer: info.name, idle_ms: info.idle });
    }
  }

  private async process(entries: RawEntry[]): Promise<void> {
    const { definition } = this.options;
    const prepared: Prepared[] = [];
    const letters: DeadLetter[] = [];
    const trimmed: string[] = [];
    for (const [id, fields] of entries) {
      if (fields === null) {
        trimmed.push(id);
        continue;
      }
      try {
        const decoded = decodeEntry(definition.stream, id, fields);
        const rows = uploadToRows(definition.kind, decoded.data, {
          ingestKey: decoded.ingestKey,
          acceptedAtMs: decoded.acceptedAtMs,
          uploadMethod: decoded.uploadMethod,
          envelopeSerial: decoded.deviceSn,
        });
        prepared.push({ id, fields, rows });
      } catch (error) {
        // Decoding is pure work on this entry's bytes, which will not change on a retry: whatever it
        // throws (an EntryDecodeError, or a RangeError for a time no Date can hold from another
        // producer) is about this entry alone. Rethrowing would fail the whole batch at every
        // redelivery, and every entry behind it, forever.
        const known = error instanceof EntryDecodeError || error instanceof UnpersistableRecordError;
        const reason = error instanceof Error ? `${known ? '' : 'could not decode the entry: '}${error.name}: ${error.message}` : `could not decode the entry: ${String(error)}`;
        letters.push({ id, fields, reason, deliveries: 1, consumer: this.options.name });
      }
    }
    if (trimmed.length > 0) await this.countTrimmed(trimmed);
    await this.persist(prepared, letters);
    this.counters.processed += entries.length;
    this.counters.batches++;
  }

  private async persist(prepared: Prepared[], letters: DeadLetter[]): Promise<void> {
    const { definition } = this.options;
    const acked = prepared.length > 0 ? await this.write(prepared, letters) : prepared;
    if (letters.length > 0) {
      await deadLetter(this.redis, definition, letters);
      this.counters.deadLettered += letters.length;
      this.logger.warn('records moved to the dead-letter stream', { stream: definition.stream, count: letters.length, first_reason: letters[0]!.reason });
    }
    if (acked.length > 0) {
      await this.redis.xack(definition.stream, definition.group, ...acked.map((p) => p.id));
      for (const item of acked) this.counters.persisted += batchSize(item.rows);
    }
  }

  /**
   * The batch in one transaction. One bad record must not hold back its batch-mates: when the
   * database refuses the batch for its rows, it is halved until the refused
   * entries stand alone (write-isolating.ts: about 2 log2(n) transactions per bad record, not one
   * per entry), the good ones are acked, and a bad one is dead-lettered only once it has been
   * delivered `maxDeliveries` times. A database that goes away meanwhile fails the round: what is
   * not acked stays pending and is walked again (rows already written are kept by their ingest ids).
   */
  private async write(prepared: Prepared[], letters: DeadLetter[]): Promise<Prepared[]> {
    const { definition, maxDeliveries, name } = this.options;
    const outcome = await writeIsolating(this.sink, prepared, (item) => item.rows);
    if (outcome.error !== undefined) throw outcome.error;
    for (const { unit: item, error } of outcome.refused) {
      const deliveries = await this.deliveries(item.id);
      if (deliveries >= maxDeliveries) {
        // The dead letter carries the whole entry: the acked original may be trimmed long before anyone replays it.
        letters.push({ id: item.id, fields: item.fields, reason: `sink refused the record: ${errorMessage(error)}`, deliveries, consumer: name });
      } else {
        this.logger.throttled(`record-retry-${definition.stream}`, 10_000, 'warn', 'a record could not be persisted; it stays pending and will be retried', { stream: definition.stream, id: item.id, deliveries, max_deliveries: maxDeliveries, error: errorMessage(error) });
      }
    }
    return outcome.written;
  }

  private async deliveries(id: string): Promise<number> {
    const { definition } = this.options;
    const reply = (await this.redis.xpending(definition.stream, definition.group, id, id, 1)) as Array<[string, string, number, number]>;
    return reply[0]?.[3] ?? 1;
  }

  /** Entries deleted before anyone persisted them are counted and acked, never skipped in silence. */
  private async countTrimmed(ids: string[]): Promise<void> {
    const { definition } = this.options;
    this.counters.trimmed += ids.length;
    await this.redis.incrby(trimmedCounterKey(definition.stream), ids.length);
    await this.redis.xack(definition.stream, definition.group, ...ids);
    this.logger.error('entries were trimmed before they were consumed: these records are lost', { stream: definition.stream, count: ids.length, first_id: ids[0] });
  }
}

/** A backlog is drained in bigger bites: a full read doubles the next one, up to this many times the base. */
const MAX_GROWTH = 5;

/**
 * The spec's post-cutover tuning, done per read: while reads come back full there is a backlog,
 * and fewer, larger transactions drain it faster (200 -> 1,000 took a drain from 21k to 29k rows/s
 * here); a read that comes back less than half full returns towards the configured size.
 */
export function nextCount(current: number, received: number, base: number): number {
  if (received >= current) return Math.min(current * 2, base * MAX_GROWTH);
  if (received < current / 2) return Math.max(base, Math.floor(current / 2));
  return current;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
