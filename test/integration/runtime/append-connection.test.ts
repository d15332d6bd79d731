import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/shared/free-port.js';
import { AppendConnection } from '../../../src/runtime/streams/append-connection.js';
import { parseRedisUrl } from '../../../src/shared/redis-url.js';
import { eventually } from '../../helpers/service.js';

let server: ChildProcess;
let port: number;

beforeAll(async () => {
  port = await freePort();
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', 's3cret'], { stdio: 'ignore' });
  const probe = new Redis({ port, password: 's3cret', lazyConnect: true, retryStrategy: () => 50 });
  await eventually(async () => (await probe.ping()) === 'PONG');
  probe.disconnect();
});
afterAll(() => {
  server.kill('SIGKILL');
});

describe('AppendConnection', () => {
  it('authenticates and selects the database from the URL, then pipelines XADDs in order', async () => {
    const connection = new AppendConnection(parseRedisUrl(`redis://:s3cret@127.0.0.1:${port}/3`));
    await connection.open();
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => connection.send(['XADD', 'appendtest', '*', 'n', String(i)])));
    expect(new Set(ids).size).toBe(50);
    const reader = new Redis({ port, password: 's3cret', db: 3 });
    const entries = (await reader.xrange('appendtest', '-', '+')) as Array<[string, string[]]>;
    expect(entries.map(([, fields]) => fields[1])).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(entries.map(([id]) => id)).toEqual(ids);
    await expect(connection.send(['XADD', 'appendtest', 'NOMKSTREAM', '*'])).rejects.toThrow(/wrong number of arguments/);
    expect(await connection.send(['XADD', 'no-such-stream', 'NOMKSTREAM', '*', 'a', 'b'])).toBeNull();
    reader.disconnect();
    connection.close();
  });

  it('fails at once while disconnected and reconnects by itself', async () => {
    const states: boolean[] = [];
    const connection = new AppendConnection(parseRedisUrl(`redis://:s3cret@127.0.0.1:${port}`), (up) => states.push(up));
    await connection.open();
    const admin = new Redis({ port, password: 's3cret' });
    await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    admin.disconnect();
    await eventually(() => states.includes(false));
    await eventually(async () => connection.isConnected);
    expect(typeof (await connection.send(['XADD', 'appendtest2', '*', 'a', 'b']))).toBe('string');
    connection.close();
    await expect(connection.send(['XADD', 'appendtest2', '*', 'a', 'b'])).rejects.toThrow(/not open/);
  });

  it('rejects open() at once when Redis refuses the password, naming the URL with the password as ***', async () => {
    const connection = new AppendConnection(parseRedisUrl(`redis://:wrong-one@127.0.0.1:${port}`));
    const started = Date.now();
    const error = await connection.open(20_000).then(() => undefined, (e: Error) => e);
    connection.close();
    expect(error?.message).toMatch(/WRONGPASS|invalid password/);
    expect(error?.message).toContain(`redis://:***@127.0.0.1:${port}`);
    expect(error?.message).not.toContain('wrong-one');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('rejects open() after its bound when nothing answers, saying what the socket said', async () => {
    const silent = await freePort();
    const connection = new AppendConnection(parseRedisUrl(`redis://127.0.0.1:${silent}`));
    const error = await connection.open(1_500).then(() => undefined, (e: Error) => e);
    connection.close();
    expect(error?.message).toMatch(new RegExp(`ingest connection to Redis at redis://127\\.0\\.0\\.1:${silent} did not open within 1.5 s: .*ECONNREFUSED`));
  });
});
