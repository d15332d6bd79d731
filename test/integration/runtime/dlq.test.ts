import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, eventually, type TestService } from '../../helpers/service.js';

const STREAM = 'health_data_stream';
const DLQ = `${STREAM}:dlq`;

let service: TestService;
let redis: Redis;

beforeAll(async () => {
  service = await startTestService({ ratio: 0 });
  redis = new Redis(service.redisUrl);
});
afterAll(async () => {
  redis?.disconnect();
  await service?.cleanup();
});

function envelope(data: unknown, deviceSn: string, seconds: number): string {
  return JSON.stringify({ data, device_sn: deviceSn, message_type: 'health_data', timestamp: seconds, api_version: 'v2' });
}

/** Writes an entry straight to the stream, as another producer would, and waits for its dead letter. */
async function poison(payload: string, uuid = randomUUID()): Promise<{ uuid: string; originalId: string; dlqId: string }> {
  const now = Date.now();
  const originalId = (await redis.xadd(STREAM, '*', 'timestamp', String(now), 'uuid', uuid, 'payload', payload, 'message_type', 'health_data')) as string;
  const dlqId = await eventually(async () => {
    const letters = (await redis.xrange(DLQ, '-', '+')) as Array<[string, string[]]>;
    return letters.find(([, fields]) => fields[fields.indexOf('original_id') + 1] === originalId)?.[0];
  });
  return { uuid, originalId, dlqId };
}

/** No serial anywhere: the consumer can never tell whose reading it is. */
const noSerial = (marker: number) => poison(envelope({ heart_rate: marker, blood_oxygen: 97 }, '', Date.now() / 1000));
const notJson = () => poison('{not json');

async function settled(): Promise<void> {
  await eventually(async () => {
    const groups = (await redis.xinfo('GROUPS', STREAM)) as unknown[][];
    const info = Object.fromEntries(groups[0]!.reduce<unknown[][]>((pairs, v, i) => (i % 2 ? pairs[pairs.length - 1]!.push(v) : pairs.push([v]), pairs), []));
    return Number(info.pending) === 0 && Number(info.lag) === 0;
  });
}

async function snapshot() {
  return { dlq: await redis.xlen(DLQ), stream: await redis.xlen(STREAM), rows: service.count('user_health_data') };
}

function authorized(token: string) {
  return { authorization: `Bearer ${token}` };
}

describe('GET /api/dlq and /api/dlq/entry', () => {
  it('summarises every stream, pages one stream and shows one entry with all its fields', async () => {
    const a = await noSerial(41);
    const b = await notJson();

    const overview = await service.get('/api/dlq');
    expect(overview.status).toBe(200);
    expect(Object.keys(overview.json.streams)).toEqual(['health_data_stream', 'device_info_stream', 'common_event_stream']);
    expect(overview.json.streams[STREAM].dead_letters).toBeGreaterThanOrEqual(2);
    expect(overview.json.streams[STREAM].oldest).toMatchObject({ id: expect.stringMatching(/^\d+-\d+$/), reason: expect.any(String) });
    expect(overview.json.streams.device_info_stream).toMatchObject({ dead_letters: 0, oldest: null });

    const ids: string[] = [];
    let after = '';
    for (let page = 0; page < 10; page++) {
      const reply = await service.get(`/api/dlq?stream=${STREAM}&count=1${after ? `&after=${after}` : ''}`);
      expect(reply.json.entries.length).toBeLessThanOrEqual(1);
      ids.push(...reply.json.entries.map((e: { id: string }) => e.id));
      if (!reply.json.next) break;
      after = reply.json.next;
    }
    expect(ids).toContain(a.dlqId);
    expect(ids).toContain(b.dlqId);

    const all = await service.get(`/api/dlq?stream=health_data`);
    const entryA = all.json.entries.find((e: { id: string }) => e.id === a.dlqId);
    expect(entryA).toEqual({
      id: a.dlqId, original_id: a.originalId, reason: expect.stringContaining('no device serial'), deliveries: 1,
      consumer: expect.any(String), failed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), device_sn: null,
      message_type: 'health_data', uuid: a.uuid, payload: expect.stringContaining('"heart_rate":41'),
    });

    const shown = await service.get(`/api/dlq/entry?stream=${STREAM}&id=${b.dlqId}`);
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({
      id: b.dlqId, stream: STREAM, dead_letter_stream: DLQ, group: 'health_processors', original_id: b.originalId,
      reason: expect.stringContaining('not JSON'), uuid: b.uuid, payload: '{not json', envelope: null,
      payload_error: expect.stringContaining('not JSON'), original_source: 'dead_letter',
      original_fields: { uuid: b.uuid, payload: '{not json', message_type: 'health_data', timestamp: expect.any(String) },
    });
    expect(shown.json.fields).toMatchObject({ original_id: b.originalId, stream: STREAM, failed_at: expect.any(String) });

    const missing = await service.get(`/api/dlq/entry?stream=${STREAM}&id=1-1`);
    expect(missing.status).toBe(404);
    expect(missing.json.error).toContain('no dead letter 1-1');
  });

  it('refuses bad queries with 400 naming what is valid', async () => {
    const unknown = await service.get('/api/dlq?stream=orders');
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toContain('health_data_stream, device_info_stream, common_event_stream');
    for (const query of ['stream=health_data_stream&count=0', 'stream=health_data_stream&count=abc', 'stream=health_data_stream&count=5000', 'stream=health_data_stream&after=nope']) {
      expect((await service.get(`/api/dlq?${query}`)).status, query).toBe(400);
    }
    for (const query of ['stream=health_data_stream', 'id=1-1', 'stream=x&id=1-1', 'stream=health_data_stream&id=1']) {
      expect((await service.get(`/api/dlq/entry?${query}`)).status, query).toBe(400);
    }
  });
});

describe('POST /api/dlq/replay', () => {
  it('refuses to replay a record that would fail again, then replays it fixed by a patch: one row, even replayed twice', async () => {
    const a = await noSerial(42);
    const before = await snapshot();
    const unfixed = await service.post('/api/dlq/replay', { stream: STREAM, ids: [a.dlqId] });
    expect(unfixed.status).toBe(200);
    expect(unfixed.json).toMatchObject({ replayed: 0, failed: [{ id: a.dlqId, error: expect.stringContaining('no device serial') }] });
    expect(await snapshot()).toEqual(before);

    // A second dead letter of the same record, as if it had been dead-lettered twice.
    const [[, fields]] = (await redis.xrange(DLQ, a.dlqId, a.dlqId)) as Array<[string, string[]]>;
    const copyId = (await redis.xadd(DLQ, '*', ...fields)) as string;

    const fixed = await service.post('/api/dlq/replay', { stream: STREAM, ids: [a.dlqId], patch: { deviceSn: 'DLQ_FIX_1' }, reason: 'serial restored' }, { 'x-streamctl-actor': 'dlq-test' });
    expect(fixed.status).toBe(200);
    expect(fixed.json).toMatchObject({ stream: STREAM, replayed: 1, failed: [], requeued: [{ id: a.dlqId, original_id: a.originalId, stream_id: expect.stringMatching(/^\d+-\d+$/) }] });
    const again = await service.post('/api/dlq/replay', { stream: STREAM, ids: [copyId], patch: { deviceSn: 'DLQ_FIX_1' } });
    expect(again.json).toMatchObject({ replayed: 1, failed: [] });

    await eventually(() => service.count('user_health_data', "device_sn = 'DLQ_FIX_1'") === 1);
    await settled();
    const rows = service.rows<any>("SELECT * FROM user_health_data WHERE device_sn = 'DLQ_FIX_1'");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ingest_id: expect.stringMatching(new RegExp(`^[0-9a-f]{12}-${a.uuid}:0$`)), heart_rate: 42, blood_oxygen: 97, upload_method: 'stream_v2' });
    expect(await redis.xrange(DLQ, a.dlqId, a.dlqId)).toEqual([]);
    expect(await redis.xrange(DLQ, copyId, copyId)).toEqual([]);

    const [[, replayedFields]] = (await redis.xrange(STREAM, fixed.json.requeued[0].stream_id, fixed.json.requeued[0].stream_id)) as Array<[string, string[]]>;
    const map = Object.fromEntries(replayedFields.reduce<string[][]>((pairs, v, i) => (i % 2 ? pairs[pairs.length - 1]!.push(v) : pairs.push([v]), pairs), []));
    expect(map).toMatchObject({ uuid: a.uuid, device_sn: 'DLQ_FIX_1', message_type: 'health_data' });
    expect(JSON.parse(map.payload)).toMatchObject({ data: { deviceSn: 'DLQ_FIX_1', heart_rate: 42 }, device_sn: 'DLQ_FIX_1', api_version: 'v2' });

    const audit = await service.get('/api/audit?limit=20');
    const replays = audit.json.entries ?? audit.json;
    expect(JSON.stringify(replays)).toContain('dlq_replay');
    expect(JSON.stringify(replays)).toContain(`${DLQ} ${a.dlqId} -> ${STREAM}`);
    expect(JSON.stringify(replays)).toContain('dlq-test');
  });

  it('replays an un-decodable payload only with a replacement payload', async () => {
    const b = await notJson();
    const refused = await service.post('/api/dlq/replay', { stream: STREAM, ids: [b.dlqId], patch: { deviceSn: 'X' } });
    expect(refused.json).toMatchObject({ replayed: 0, failed: [{ id: b.dlqId, error: expect.stringContaining('payload replacement') }] });

    const twoIds = await service.post('/api/dlq/replay', { stream: STREAM, ids: [b.dlqId, '1-1'], payload: { deviceSn: 'DLQ_FIX_2' } });
    expect(twoIds.status).toBe(400);

    const replaced = await service.post('/api/dlq/replay', { stream: STREAM, ids: [b.dlqId], payload: { deviceSn: 'DLQ_FIX_2', heart_rate: 70 } });
    expect(replaced.json).toMatchObject({ replayed: 1, failed: [] });
    const row = await eventually(() => service.rows<any>("SELECT * FROM user_health_data WHERE device_sn = 'DLQ_FIX_2'").at(0));
    expect(row).toMatchObject({ ingest_id: expect.stringMatching(new RegExp(`^[0-9a-f]{12}-${b.uuid}:0$`)), heart_rate: 70 });
  });

  it('replays a dead letter without a copy from the entry still in the stream (a record the database refused)', async () => {
    const uuid = randomUUID();
    const now = Date.now();
    const originalId = (await redis.xadd(STREAM, '*', 'timestamp', String(now), 'uuid', uuid, 'payload', envelope({ deviceSn: 'DLQ_SINK_1', heart_rate: 55 }, 'DLQ_SINK_1', now / 1000), 'device_sn', 'DLQ_SINK_1', 'message_type', 'health_data')) as string;
    await eventually(() => service.count('user_health_data', "device_sn = 'DLQ_SINK_1'") === 1);
    const dlqId = (await redis.xadd(DLQ, '*', 'original_id', originalId, 'stream', STREAM, 'group', 'health_processors', 'reason', 'sink refused the record: disk full', 'deliveries', '5', 'consumer', 'test-0', 'failed_at', String(now))) as string;

    const shown = await service.get(`/api/dlq/entry?stream=${STREAM}&id=${dlqId}`);
    expect(shown.json).toMatchObject({ original_source: 'stream', uuid, device_sn: 'DLQ_SINK_1', envelope: { data: { heart_rate: 55 } } });
    const replay = await service.post('/api/dlq/replay', { stream: STREAM, ids: [dlqId] });
    expect(replay.json).toMatchObject({ replayed: 1, failed: [] });
    await settled();
    expect(service.count('user_health_data', "device_sn = 'DLQ_SINK_1'")).toBe(1);
  });

  it('replays all, leaving what fails again in place, and reports unknown ids per entry', async () => {
    await service.post('/api/dlq/purge', { stream: STREAM, all: true, reason: 'clean slate' });
    const a = await noSerial(43);
    const b = await noSerial(44);
    const all = await service.post('/api/dlq/replay', { stream: STREAM, all: true, patch: { deviceSn: 'DLQ_ALL' } });
    expect(all.json).toMatchObject({ replayed: 2, failed: [] });
    await eventually(() => service.count('user_health_data', "device_sn = 'DLQ_ALL'") === 2);
    expect(service.rows<any>("SELECT ingest_id FROM user_health_data WHERE device_sn = 'DLQ_ALL' ORDER BY ingest_id").map((r) => r.ingest_id.slice(13)).sort()).toEqual([`${a.uuid}:0`, `${b.uuid}:0`].sort());

    const c = await noSerial(45);
    const unpatched = await service.post('/api/dlq/replay', { stream: STREAM, all: true });
    expect(unpatched.json).toMatchObject({ replayed: 0, failed: [{ id: c.dlqId }] });
    expect(await redis.xlen(DLQ)).toBe(1);

    const unknown = await service.post('/api/dlq/replay', { stream: STREAM, ids: ['1-1'] });
    expect(unknown.json).toMatchObject({ replayed: 0, failed: [{ id: '1-1', error: expect.stringContaining('no dead letter') }] });
  });

  it('refuses bad bodies with 400 and changes nothing', async () => {
    const a = await noSerial(46);
    const before = await snapshot();
    const bodies: unknown[] = [
      '{"stream":', 'not json', '[]', {}, { stream: STREAM }, { ids: [a.dlqId] },
      { stream: 'orders', ids: [a.dlqId] }, { stream: STREAM, ids: ['abc'] }, { stream: STREAM, ids: [] }, { stream: STREAM, ids: a.dlqId },
      { stream: STREAM, ids: [a.dlqId], all: true }, { stream: STREAM, all: false }, { stream: STREAM, all: 'yes' },
      { stream: STREAM, ids: [a.dlqId], patch: [1] }, { stream: STREAM, ids: [a.dlqId], patch: 'x' }, { stream: STREAM, ids: [a.dlqId], patch: null },
      `{"stream":"${STREAM}","ids":["${a.dlqId}"],"patch":{"__proto__":{"deviceSn":"P"}}}`,
      `{"stream":"${STREAM}","ids":["${a.dlqId}"],"patch":{"x":{"constructor":{"prototype":{}}}}}`,
      { stream: STREAM, ids: [a.dlqId], id: a.dlqId }, { stream: STREAM, ids: [a.dlqId], payload: null },
      { stream: STREAM, ids: [a.dlqId], reason: 'x'.repeat(600) }, { stream: 42, ids: [a.dlqId] },
    ];
    for (const body of bodies) {
      const reply = await service.post('/api/dlq/replay', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(typeof reply.json.error).toBe('string');
    }
    const unknown = await service.post('/api/dlq/replay', { stream: 'orders', ids: [a.dlqId] });
    expect(unknown.json.error).toContain('health_data_stream, device_info_stream, common_event_stream');
    const wrongType = await service.post('/api/dlq/replay', `{"stream":"${STREAM}","ids":["${a.dlqId}"]}`, { 'content-type': 'text/plain' });
    expect(wrongType.status).toBeGreaterThanOrEqual(400);
    expect(wrongType.status).toBeLessThan(500);
    expect(await snapshot()).toEqual(before);
    expect(({} as Record<string, unknown>).deviceSn).toBeUndefined();
  });
});

describe('POST /api/dlq/purge', () => {
  it('purges by id and all, with a reason in the audit log; bad input changes nothing', async () => {
    const a = await noSerial(47);
    const b = await noSerial(48);
    const before = await snapshot();
    for (const body of [{ stream: STREAM, ids: [a.dlqId] }, { stream: STREAM, ids: [a.dlqId], reason: '  ' }, { stream: STREAM, reason: 'x' }, { stream: 'nope', all: true, reason: 'x' }, { stream: STREAM, all: true, ids: [a.dlqId], reason: 'x' }, { stream: STREAM, ids: ['x-1'], reason: 'x' }, { stream: STREAM, all: true, reason: 'x', patch: {} }]) {
      const reply = await service.post('/api/dlq/purge', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
    }
    expect(await snapshot()).toEqual(before);

    const one = await service.post('/api/dlq/purge', { stream: STREAM, ids: [a.dlqId, '1-1'], reason: 'test rig garbage' });
    expect(one.status).toBe(200);
    expect(one.json).toEqual({ stream: STREAM, purged: 1, dead_letters: before.dlq - 1, not_found: 1 });
    expect(await redis.xrange(DLQ, a.dlqId, a.dlqId)).toEqual([]);
    expect(await redis.xrange(DLQ, b.dlqId, b.dlqId)).toHaveLength(1);

    const all = await service.post('/api/dlq/purge', { stream: STREAM, all: true, reason: 'replayed by hand' });
    expect(all.json).toEqual({ stream: STREAM, purged: before.dlq - 1, dead_letters: 0 });
    expect(await redis.xlen(DLQ)).toBe(0);
    expect((await service.post('/api/dlq/purge', { stream: STREAM, all: true, reason: 'again' })).json).toEqual({ stream: STREAM, purged: 0, dead_letters: 0 });

    const audit = JSON.stringify((await service.get('/api/audit?limit=20')).json);
    expect(audit).toContain('dlq_purge');
    expect(audit).toContain('test rig garbage: purged 1 from health_data_stream:dlq');
    expect(audit).toContain('replayed by hand');

    // The consumers still dead-letter into a purged stream.
    await noSerial(49);
  });
});

describe('with an admin token', () => {
  it('needs the token to replay or purge, not to read', async () => {
    const secured = await startTestService({ ratio: 0, adminToken: 'dlq-s3cret' });
    const r = new Redis(secured.redisUrl);
    try {
      await r.xadd(STREAM, '*', 'timestamp', String(Date.now()), 'uuid', randomUUID(), 'payload', '{oops', 'message_type', 'health_data');
      const dlqId = await eventually(async () => ((await r.xrange(DLQ, '-', '+')) as Array<[string, string[]]>)[0]?.[0]);
      expect((await secured.get('/api/dlq')).status).toBe(200);
      expect((await secured.get(`/api/dlq/entry?stream=${STREAM}&id=${dlqId}`)).status).toBe(200);
      for (const [path, body] of [['/api/dlq/replay', { stream: STREAM, ids: [dlqId], payload: { deviceSn: 'TOKEN_1' } }], ['/api/dlq/purge', { stream: STREAM, all: true, reason: 'x' }]] as const) {
        expect((await secured.post(path, body)).status).toBe(401);
        expect((await secured.post(path, body, authorized('wrong'))).status).toBe(401);
      }
      expect(await r.xlen(DLQ)).toBe(1);
      const ok = await secured.post('/api/dlq/replay', { stream: STREAM, ids: [dlqId], payload: { deviceSn: 'TOKEN_1' } }, authorized('dlq-s3cret'));
      expect(ok.json).toMatchObject({ replayed: 1 });
      await eventually(() => secured.count('user_health_data', "device_sn = 'TOKEN_1'") === 1);
    } finally {
      r.disconnect();
      await secured.cleanup();
    }
  });
});
