import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseConsistencyRedis, readEmbeddedRedisTraces } from '../../../src/cli/control/consistency-redis.js';
import { ExitCode } from '../../../src/shared/exit-code.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'streamctl-traces-'));
  dirs.push(dir);
  return dir;
}

describe('which Redis check consistency reads', () => {
  it('--redis-url first, then the running embedded Redis of the data dir', () => {
    expect(chooseConsistencyRedis('redis://h:1', { dataDir: 'd', redisDir: true })).toBe('redis://h:1');
    expect(chooseConsistencyRedis(undefined, { dataDir: 'd', redisDir: true, runFile: { port: 6400 } })).toBe('redis://127.0.0.1:6400');
  });

  it('a data dir whose serve stopped is a peer that cannot be reached (exit 2), not a usage error (was: 64)', () => {
    expect(() => chooseConsistencyRedis(undefined, { dataDir: '.streamctl', redisDir: true })).toThrow(
      expect.objectContaining({ exitCode: ExitCode.CouldNotRun, message: expect.stringMatching(/embedded Redis of \.streamctl is not running/) }),
    );
    expect(() => chooseConsistencyRedis(undefined, { dataDir: 'd', redisDir: true, runFile: 'unreadable' })).toThrow(expect.objectContaining({ exitCode: ExitCode.CouldNotRun }));
  });

  it('nothing naming any Redis is a usage error (exit 64)', () => {
    expect(() => chooseConsistencyRedis(undefined, { dataDir: 'd', redisDir: false })).toThrow(expect.objectContaining({ exitCode: ExitCode.Usage }));
  });

  it('reads the traces serve leaves in its data dir', () => {
    const dir = dataDir();
    expect(readEmbeddedRedisTraces(dir)).toEqual({ dataDir: dir, redisDir: false });
    mkdirSync(join(dir, 'redis'));
    expect(readEmbeddedRedisTraces(dir)).toEqual({ dataDir: dir, redisDir: true });
    writeFileSync(join(dir, 'redis', 'streamctl-redis.json'), JSON.stringify({ pid: 1, port: 6401 }));
    expect(readEmbeddedRedisTraces(dir).runFile).toEqual({ port: 6401 });
    writeFileSync(join(dir, 'redis', 'streamctl-redis.json'), '{"port":');
    expect(readEmbeddedRedisTraces(dir).runFile).toBe('unreadable');
  });
});
