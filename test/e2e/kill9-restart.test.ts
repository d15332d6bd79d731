import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/shared/free-port.js';
import { spawnServe, type ServeProcess } from '../helpers/cli.js';
import { eventually } from '../helpers/service.js';

const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-kill9-'));
let second: ServeProcess | undefined;

afterAll(async () => {
  if (second && second.child.exitCode === null) {
    second.child.kill('SIGTERM');
    await second.exited;
  }
  // The embedded redis-server outlives a SIGKILLed parent; make sure no test leaves one behind.
  try {
    const { pid } = JSON.parse(readFileSync(join(dataDir, 'redis', 'streamctl-redis.json'), 'utf8')) as { pid: number };
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already stopped by the restarted service.
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const KINDS = [
  ['/upload_health_data_v2', (i: number) => ({ data: { deviceSn: `KILL_${i}`, heart_rate: 60 } })],
  ['/upload_device_info_v2', (i: number) => ({ SerialNumber: `KILL_${i}`, battery: 1 })],
  ['/upload_common_event_v2', (i: number) => ({ deviceSn: `KILL_${i}`, eventType: 'tick' })],
] as const;

function countRows(): { rows: number; devices: number } {
  const db = new Database(join(dataDir, 'streamctl.db'), { readonly: true });
  try {
    let rows = 0;
    let devices = 0;
    for (const table of ['user_health_data', 'user_device_info', 'user_common_event']) {
      rows += (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      devices += (db.prepare(`SELECT COUNT(DISTINCT device_sn) AS n FROM ${table}`).get() as { n: number }).n;
    }
    return { rows, devices };
  } finally {
    db.close();
  }
}

describe('kill -9 of the runtime during steady load', () => {
  it('loses nothing it accepted: after a restart, rows = accepted and no record twice', async () => {
    const port = await freePort();
    const args = ['--port', String(port), '--data-dir', dataDir, '--claim-idle', '2s', '--log-level', 'warn'];
    const first = await spawnServe(args);
    let accepted = 0;
    let unknown = 0;
    let sequence = 0;
    let stop = false;
    const workers = Array.from({ length: 16 }, async () => {
      while (!stop) {
        const i = sequence++;
        const [path, body] = KINDS[i % KINDS.length]!;
        try {
          const response = await fetch(first.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(i)) });
          await response.arrayBuffer();
          if (response.status === 200) accepted++;
        } catch {
          // In flight when the process died: the upload may or may not have been taken.
          unknown++;
          return;
        }
      }
    });
    // Kill once enough has been accepted, however fast this machine is (bounded: 60 s).
    await eventually(() => accepted >= 200, { timeoutMs: 60_000 });
    first.child.kill('SIGKILL');
    await first.exited;
    stop = true;
    await Promise.all(workers);
    expect(accepted).toBeGreaterThanOrEqual(200);

    second = await spawnServe(args);
    expect(second.output()).toContain('reusing the embedded redis-server');
    const deadline = Date.now() + 30_000;
    let counted = countRows();
    while (counted.rows < accepted && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      counted = countRows();
    }
    // Every accepted upload is a row; an upload in flight at the kill may be one too (its
    // client saw an error and would retry), but never twice: one serial per upload.
    expect(counted.rows).toBeGreaterThanOrEqual(accepted);
    expect(counted.rows).toBeLessThanOrEqual(accepted + unknown);
    expect(counted.devices).toBe(counted.rows);
  });
});
