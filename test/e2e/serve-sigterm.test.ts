import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/shared/free-port.js';
import { spawnServe } from '../helpers/cli.js';
import { eventually } from '../helpers/service.js';

const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-sigterm-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const ENDPOINTS = [
  ['/upload_health_data_v2', (i: number) => ({ data: { deviceSn: `TERM_${i}`, heart_rate: 60 + (i % 40) } })],
  ['/upload_health_data', (i: number) => ({ data: { deviceSn: `TERM_${i}`, heart_rate: 60 } })],
  ['/upload_device_info_v2', (i: number) => ({ SerialNumber: `TERM_${i}`, battery: i % 100 })],
  ['/upload_common_event', (i: number) => ({ deviceSn: `TERM_${i}`, eventType: 'tick' })],
] as const;

describe('SIGTERM under load', () => {
  it('drains and exits 0 with every accepted upload in the database (rows = accepted)', async () => {
    const port = await freePort();
    const serve = await spawnServe(['--port', String(port), '--data-dir', dataDir, '--ratio', '0.5', '--flush-interval', '500ms', '--log-level', 'warn']);
    let accepted = 0;
    let refused = 0;
    let sequence = 0;
    let stop = false;
    const workers = Array.from({ length: 24 }, async () => {
      while (!stop) {
        const i = sequence++;
        const [path, body] = ENDPOINTS[i % ENDPOINTS.length]!;
        try {
          const response = await fetch(serve.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(i)) });
          await response.arrayBuffer();
          if (response.status === 200) accepted++;
          else refused++;
        } catch {
          refused++;
          if (serve.child.exitCode !== null) return;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    });
    // Stop once enough has been accepted, however fast this machine is (bounded: 60 s).
    await eventually(() => accepted >= 200, { timeoutMs: 60_000 });
    serve.child.kill('SIGTERM');
    const code = await serve.exited;
    stop = true;
    await Promise.all(workers);
    expect(code, serve.output()).toBe(0);
    expect(accepted).toBeGreaterThanOrEqual(200);
    const db = new Database(join(dataDir, 'streamctl.db'), { readonly: true });
    const rows = ['user_health_data', 'user_device_info', 'user_common_event']
      .map((t) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n)
      .reduce((a, b) => a + b, 0);
    const duplicates = (db.prepare('SELECT COUNT(*) AS n FROM (SELECT ingest_id FROM user_health_data GROUP BY ingest_id HAVING COUNT(*) > 1)').get() as { n: number }).n;
    db.close();
    expect(rows).toBe(accepted);
    expect(duplicates).toBe(0);
  });
});
