import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/shared/logger.js';
import { startTestService, eventually, type TestService } from '../../helpers/service.js';

const STREAM = 'health_data_stream';
const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-restart-loss-'));
let service: TestService | undefined;
let redis: Redis | undefined;

afterAll(async () => {
  redis?.disconnect();
  await service?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A logger that keeps its lines, to look for the false alarm. */
function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', write: (line) => lines.push(line) }) };
}

async function backlog(s: TestService) {
  return (await s.get('/api/stream_stats')).json.stream_stats.streams[STREAM].backlog;
}

function falseAlarms(lines: string[]): string[] {
  return lines.filter((line) => /\b(ERROR|CRITICAL)\b/.test(line) && /lost/i.test(line));
}

describe('a clean stop and restart of serve on the same data dir (embedded Redis with AOF)', () => {
  it('reports no loss after Redis reloads the group with a stale entries-read (3 uploads, all persisted)', async () => {
    const first = capture();
    service = await startTestService({ dataDir, ratio: 1 }, { logger: first.logger });
    for (let i = 0; i < 3; i++) {
      const answer = await service.post('/upload_health_data_v2', { data: { deviceSn: 'W1', heart_rate: 72, timestamp: 1764000000 + i } });
      expect(answer.status).toBe(200);
    }
    await eventually(() => service!.count('user_health_data', "device_sn = 'W1'") === 3, { timeoutMs: 30_000 });
    await eventually(async () => {
      const b = await backlog(service!);
      return b.pending === 0 && b.unconsumed === 0;
    }, { timeoutMs: 30_000 });
    expect(falseAlarms(first.lines)).toEqual([]);
    // SIGTERM's path: drain, ack, stop the embedded Redis (which flushes its AOF).
    await service.cleanup();
    service = undefined;

    const second = capture();
    service = await startTestService({ dataDir, ratio: 1 }, { logger: second.logger });
    redis = new Redis(service.redisUrl);
    const [group] = (await redis.xinfo('GROUPS', STREAM)) as unknown[][];
    const fields = Object.fromEntries(Array.from({ length: group!.length / 2 }, (_, i) => [String(group![2 * i]), group![2 * i + 1]]));
    const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '';
    // The case itself: Redis 7.0 replays XREADGROUP from the AOF as XCLAIM ... LASTID, which does
    // not restore entries-read, so a group that read everything reports lag 3 after the reload.
    if (version.startsWith('7.0.')) expect({ entriesRead: fields['entries-read'], lag: fields.lag }).toEqual({ entriesRead: 0, lag: 3 });

    // Wait until a monitor pass has accounted in this Redis run (its run_id is stored with the checkpoint).
    const runId = /run_id:(\w+)/.exec(await redis.info('server'))![1];
    await eventually(async () => {
      await backlog(service!);
      return (await redis!.hget(`streamctl:loss:${STREAM}`, 'run_id')) === runId;
    }, { timeoutMs: 20_000 });
    // One more full pass after that one.
    const after = await backlog(service);
    expect(after.trimmed_unconsumed).toBe(0);
    expect(after.removed_unverified).toBe(0);
    expect(after.removed_by_others).toBe(0);
    expect(after.lag).toBe(0);
    expect(after.unconsumed).toBe(0);
    expect((await service.get('/metrics')).text).toMatch(new RegExp(`streamctl_trimmed_unconsumed_total\\{stream="${STREAM}"\\} 0\\b`));
    expect(falseAlarms(second.lines)).toEqual([]);
    // And the records are all there, once.
    expect(service.count('user_health_data', "device_sn = 'W1'")).toBe(3);
  });
});
