import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type Database from 'better-sqlite3';
import { STREAMS, decodeEntry, encodeEntryFields, deadLetterStream, type RecordKind } from '../../src/runtime/wire-format.js';
import { uploadToRows } from '../../src/runtime/records/to-rows.js';
import { SqliteSink, openSqlite } from '../../src/runtime/sinks/sqlite-sink.js';
import { ledgerField, ledgerKey, minuteOf } from '../../src/shared/ledger-keys.js';
import { isTestDevice } from '../../src/shared/test-devices.js';

/**
 * A hand-driven stand-in for `streamctl serve`'s storage: real Redis streams, groups, ledger and a
 * real SQLite file written through the runtime's own SqliteSink and row mapping, so the check reads
 * exactly what serve would leave behind. Stream ids are given explicitly (`<ms>-*`) so a test can
 * place entries in the past.
 */
export interface ChecksFixture {
  redis: Redis;
  redisUrl: string;
  dbPath: string;
  sink: SqliteSink;
  /** XADD + ledger; returns the entry id and uuid. */
  acceptStream(kind: RecordKind, data: unknown, atMs: number): Promise<{ id: string; uuid: string }>;
  /** Ledger + rows at once, as the traditional batcher does. */
  acceptTraditional(kind: RecordKind, data: unknown, atMs: number): Promise<string>;
  /** XREADGROUP as `consumer`; persists and acks unless told otherwise. */
  consume(kind: RecordKind, options?: { consumer?: string; count?: number; persist?: boolean; ack?: boolean }): Promise<string[]>;
  /** Moves an entry to the dead-letter stream the way serve does, and acks it. */
  deadLetter(kind: RecordKind, id: string, reason: string): Promise<void>;
  sql(): Database.Database;
  close(): Promise<void>;
}

export async function createChecksFixture(redisBaseUrl: string, db: number): Promise<ChecksFixture> {
  const redisUrl = `${redisBaseUrl}/${db}`;
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  for (const def of Object.values(STREAMS)) await redis.xgroup('CREATE', def.stream, def.group, '$', 'MKSTREAM');
  const dir = mkdtempSync(join(tmpdir(), 'streamctl-checks-'));
  const dbPath = join(dir, 'streamctl.db');
  const sink = new SqliteSink(dbPath);
  let sqlHandle: Database.Database | undefined;

  async function countLedger(method: 'stream_v2' | 'optimized', kind: RecordKind, data: unknown, atMs: number): Promise<void> {
    const elements = Array.isArray(data) ? data : [data];
    for (const element of elements) {
      const sn = String((element as Record<string, unknown>).deviceSn ?? (element as Record<string, unknown>).SerialNumber ?? '');
      await redis.hincrby(ledgerKey(minuteOf(atMs)), ledgerField(method, kind, isTestDevice(sn)), 1);
    }
  }

  return {
    redis,
    redisUrl,
    dbPath,
    sink,
    async acceptStream(kind, data, atMs) {
      const uuid = randomUUID();
      const first = (Array.isArray(data) ? data[0] : data) as Record<string, unknown>;
      const sn = String(first.deviceSn ?? first.SerialNumber ?? '');
      const id = (await redis.xadd(STREAMS[kind].stream, `${atMs}-*`, ...encodeEntryFields(kind, JSON.stringify(data), sn, atMs, uuid))) as string;
      await countLedger('stream_v2', kind, data, atMs);
      return { id, uuid };
    },
    async acceptTraditional(kind, data, atMs) {
      const key = randomUUID();
      await countLedger('optimized', kind, data, atMs);
      await sink.write(uploadToRows(kind, data, { ingestKey: key, acceptedAtMs: atMs, uploadMethod: 'optimized' }));
      return key;
    },
    async consume(kind, options = {}) {
      const def = STREAMS[kind];
      const reply = (await redis.xreadgroup('GROUP', def.group, options.consumer ?? 'test-consumer-0', 'COUNT', options.count ?? 1000, 'STREAMS', def.stream, '>')) as
        | Array<[string, Array<[string, string[]]>]>
        | null;
      const entries = reply?.[0]?.[1] ?? [];
      for (const [id, fields] of entries) {
        if (options.persist !== false) {
          const decoded = decodeEntry(def.stream, id, fields);
          const envelopeSerial = decoded.deviceSn;
          await sink.write(uploadToRows(kind, decoded.data, { ingestKey: decoded.ingestKey, acceptedAtMs: decoded.acceptedAtMs, uploadMethod: 'stream_v2', ...(envelopeSerial ? { envelopeSerial } : {}) }));
        }
        if (options.ack !== false) await redis.xack(def.stream, def.group, id);
      }
      return entries.map(([id]) => id);
    },
    async deadLetter(kind, id, reason) {
      const def = STREAMS[kind];
      const [[, fields]] = (await redis.xrange(def.stream, id, id)) as Array<[string, string[]]>;
      await redis.xadd(deadLetterStream(def.stream), '*', 'reason', reason, 'deliveries', '5', 'original_id', id, 'stream', def.stream, ...fields);
      await redis.xack(def.stream, def.group, id);
    },
    sql() {
      sqlHandle ??= openSqlite(dbPath);
      return sqlHandle;
    },
    async close() {
      sqlHandle?.close();
      await sink.close();
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Health reading of spec §2's shape. */
export function healthReading(deviceSn: string, deviceTimeMs: number, i = 0): Record<string, unknown> {
  return { deviceSn, timestamp: deviceTimeMs, heart_rate: 70 + (i % 30), blood_oxygen: 95 + (i % 5), body_temperature: 36.5 + (i % 2), step: 1000 + 100 * i };
}
