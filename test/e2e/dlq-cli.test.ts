import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { eventually, startTestService, type TestService } from '../helpers/service.js';

const STREAM = 'health_data_stream';
const DLQ = `${STREAM}:dlq`;

let service: TestService;
let redis: Redis;
let target: string[];

beforeAll(async () => {
  service = await startTestService({ ratio: 0 });
  redis = new Redis(service.redisUrl);
  target = ['--target', service.url];
});
afterAll(async () => {
  redis?.disconnect();
  await service?.cleanup();
});

/** A reading without any device serial: the consumers dead-letter it at once. */
async function poison(marker: number): Promise<{ uuid: string; dlqId: string }> {
  const uuid = randomUUID();
  const now = Date.now();
  const payload = JSON.stringify({ data: { heart_rate: marker }, device_sn: '', message_type: 'health_data', timestamp: now / 1000, api_version: 'v2' });
  const originalId = (await redis.xadd(STREAM, '*', 'timestamp', String(now), 'uuid', uuid, 'payload', payload, 'message_type', 'health_data')) as string;
  const dlqId = await eventually(async () => {
    const letters = (await redis.xrange(DLQ, '-', '+')) as Array<[string, string[]]>;
    return letters.find(([, fields]) => fields[fields.indexOf('original_id') + 1] === originalId)?.[0];
  });
  return { uuid, dlqId };
}

describe('streamctl dlq (built binary against streamctl serve)', () => {
  it('lists, shows and replays a dead letter after patching it', async () => {
    const a = await poison(81);

    const list = await runCli(['dlq', 'list', '--json', ...target]);
    expect(list.code, list.stderr).toBe(0);
    const overview = JSON.parse(list.stdout);
    expect(overview.streams[STREAM]).toMatchObject({ dead_letters: 1, oldest: { id: a.dlqId, uuid: a.uuid } });

    const table = await runCli(['dlq', 'list', ...target]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/health_data_stream\s*│?\s*1/);

    const page = await runCli(['dlq', 'list', '--stream', STREAM, '--json', ...target]);
    expect(JSON.parse(page.stdout)).toMatchObject({ stream: STREAM, entries: [{ id: a.dlqId, reason: expect.stringContaining('no device serial') }], next: null });

    const show = await runCli(['dlq', 'show', STREAM, a.dlqId, ...target]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('no device serial');
    expect(show.stdout).toContain('"heart_rate": 81');

    const badPatch = await runCli(['dlq', 'replay', STREAM, a.dlqId, '--patch', '[1]', ...target]);
    expect(badPatch.code).toBe(64);
    expect(badPatch.stderr).toContain('--patch must be a JSON object');
    const notJson = await runCli(['dlq', 'replay', STREAM, a.dlqId, '--patch', '{deviceSn:1}', ...target]);
    expect(notJson.code).toBe(64);

    const unfixed = await runCli(['dlq', 'replay', STREAM, a.dlqId, ...target]);
    expect(unfixed.code).toBe(1);
    expect(unfixed.stderr).toContain('no device serial');
    expect(await redis.xlen(DLQ)).toBe(1);

    const fixed = await runCli(['dlq', 'replay', STREAM, a.dlqId, '--patch', '{"deviceSn":"E2E_DLQ_1"}', '--json', ...target]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ replayed: 1, failed: [], requeued: [{ id: a.dlqId }] });
    const row = await eventually(() => service.rows<any>("SELECT * FROM user_health_data WHERE device_sn = 'E2E_DLQ_1'").at(0));
    expect(row).toMatchObject({ ingest_id: expect.stringMatching(new RegExp(`^[0-9a-f]{12}-${a.uuid}:0$`)), heart_rate: 81 });
    expect(await redis.xlen(DLQ)).toBe(0);

    const gone = await runCli(['dlq', 'show', STREAM, a.dlqId, ...target]);
    expect(gone.code).toBe(64);
    expect(gone.stderr).toContain('no dead letter');
  });

  it('purges only with --yes when not on a terminal', async () => {
    const b = await poison(82);
    const c = await poison(83);

    const refused = await runCli(['dlq', 'purge', STREAM, '--all', '--reason', 'test rig', ...target]);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain('--yes');
    const refusedOne = await runCli(['dlq', 'purge', STREAM, b.dlqId, '--reason', 'test rig', ...target]);
    expect(refusedOne.code).toBe(64);
    const noReason = await runCli(['dlq', 'purge', STREAM, '--all', '--yes', ...target]);
    expect(noReason.code).toBe(64);
    const replayAll = await runCli(['dlq', 'replay', STREAM, '--all', ...target]);
    expect(replayAll.code).toBe(64);
    expect(await redis.xlen(DLQ)).toBe(2);

    const one = await runCli(['dlq', 'purge', STREAM, b.dlqId, '--reason', 'test rig', '--yes', ...target]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('purged 1 dead letter(s) from health_data_stream:dlq; 1 left');

    const all = await runCli(['dlq', 'purge', STREAM, '--all', '--reason', 'test rig', '--yes', '--json', ...target]);
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual({ stream: STREAM, purged: 1, dead_letters: 0 });
    expect(await redis.xrange(DLQ, c.dlqId, c.dlqId)).toEqual([]);
  });

  it('exits 64 on bad usage and 2 when the target is unreachable', async () => {
    expect((await runCli(['dlq', 'replay', STREAM, ...target])).code).toBe(64);
    expect((await runCli(['dlq', 'replay', STREAM, 'abc', ...target])).code).toBe(64);
    expect((await runCli(['dlq', 'replay', STREAM, '1-1', '--all', '--yes', ...target])).code).toBe(64);
    const unknown = await runCli(['dlq', 'list', '--stream', 'orders', ...target]);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('health_data_stream, device_info_stream, common_event_stream');
    const down = await runCli(['dlq', 'list', '--target', 'http://127.0.0.1:9', '--timeout', '2s']);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('cannot reach');
  });

  it('shows a worked example in every --help', async () => {
    for (const args of [['dlq'], ['dlq', 'list'], ['dlq', 'show'], ['dlq', 'replay'], ['dlq', 'purge']]) {
      const help = await runCli([...args, '--help']);
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stdout, args.join(' ')).toContain('Example:');
    }
  });
});
