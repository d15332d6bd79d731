import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/runtime/embedded-redis.js';

export interface TestRedis extends EmbeddedRedis {
  readonly dir: string;
  /** Stops the server and removes its directory. */
  cleanup(): Promise<void>;
}

/** A real redis-server on a free loopback port with its own temporary directory. */
export async function startTestRedis(options: { appendonly?: boolean } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'streamctl-redis-'));
  const server = await startEmbeddedRedis({ dir, appendonly: options.appendonly ?? false });
  return Object.assign(Object.create(null), server, {
    url: server.url,
    port: server.port,
    pid: server.pid,
    adopted: server.adopted,
    stop: server.stop,
    kill: server.kill,
    dir,
    async cleanup() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  }) as TestRedis;
}
