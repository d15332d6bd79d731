import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGINAL_SERVICE_DIR, SYSTEM_PYTHON } from '../../helpers/original-service.js';
import { eventually, startTestService, type TestService } from '../../helpers/service.js';

interface ScriptRun {
  code: number;
  output: string;
}

/** Runs one of the original's scripts unchanged, in a scratch directory, bounded at 3 minutes. */
function runScript(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<ScriptRun> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHON: SYSTEM_PYTHON, ...env }, timeout: 180_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}\n${stderr}` });
    });
  });
}

describe("the original's own scripts against streamctl serve", () => {
  let service: TestService;
  let scratch: string;

  beforeAll(async () => {
    service = await startTestService({ enableChaos: true, ratio: 0.1 });
    scratch = mkdtempSync(join(tmpdir(), 'streamctl-scripts-'));
  });

  afterAll(async () => {
    await service?.cleanup();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('stream_validation_tool.py reports 100% success, and its records are in the database', async () => {
    const cwd = mkdtempSync(join(scratch, 'validation-'));
    const run = await runScript(SYSTEM_PYTHON, [join(ORIGINAL_SERVICE_DIR, 'stream_validation_tool.py')], cwd, { BASE_URL: service.url, VALIDATION_MINUTES: '0.05' });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('100.00%');
    const resultFile = readdirSync(cwd).find((name) => name.startsWith('stream_validation_results_'));
    expect(resultFile, run.output).toBeDefined();
    const results = JSON.parse(readFileSync(join(cwd, resultFile!), 'utf8')) as { health_data: { total: number; success: number; failed: number } };
    expect(results.health_data.total).toBeGreaterThan(0);
    expect(results.health_data).toMatchObject({ success: results.health_data.total, failed: 0 });
    // Each of its samples went to both endpoints: one row from the v2 upload, one from the legacy
    // upload on whichever path the ratio chose.
    const expectedRows = 2 * results.health_data.total;
    await eventually(() => service.count('user_health_data', "device_sn LIKE 'STREAM_TEST_%'") === expectedRows, { timeoutMs: 30_000 });
    expect(service.count('user_health_data', "device_sn LIKE 'STREAM_TEST_%' AND upload_method = 'stream_v2'")).toBeGreaterThanOrEqual(results.health_data.total);
    expect(service.count('user_health_data', "device_sn LIKE 'STREAM_TEST_%' AND heart_rate IS NULL")).toBe(0);
  });

  it('canary.sh completes', async () => {
    const cwd = mkdtempSync(join(scratch, 'canary-'));
    const run = await runScript('bash', [join(ORIGINAL_SERVICE_DIR, 'canary.sh')], cwd, { BASE_URL: service.url, OBSERVE_MINUTES: '2', SLEEP_SECONDS: '0', VALIDATION_MINUTES: '0.05' });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('100.00%');
    expect(run.output).toContain('"error_rate"');
    expect((await service.get('/api/stream_traffic_ratio')).json.current_ratio).toBe(0.1);
  });

  it('cutover.sh steps a healthy serve to ratio 1.0', async () => {
    const run = await runScript('bash', [join(ORIGINAL_SERVICE_DIR, 'cutover.sh')], scratch, { BASE_URL: service.url, OBSERVE_MINUTES: '2', SLEEP_SECONDS: '0' });
    expect(run.code, run.output).toBe(0);
    expect((await service.get('/api/stream_traffic_ratio')).json.current_ratio).toBe(1);
  });

  it('cutover.sh rolls back (exit 1, ratio 0) when chaos makes the stream path fail', async () => {
    expect((await service.post('/api/chaos', { stream_error_rate: 1 })).status).toBe(200);
    // Stream-path failures inside the metrics window, as live traffic would leave them.
    for (let i = 0; i < 10; i++) {
      const upload = await service.post('/upload_health_data_v2', { data: { deviceSn: 'CHAOS_1', heart_rate: 70, timestamp: 1764000000 + i } });
      expect(upload.status).toBe(500);
    }
    const run = await runScript('bash', [join(ORIGINAL_SERVICE_DIR, 'cutover.sh')], scratch, { BASE_URL: service.url, OBSERVE_MINUTES: '2', SLEEP_SECONDS: '0' });
    expect(run.code, run.output).toBe(1);
    expect((await service.get('/api/stream_traffic_ratio')).json.current_ratio).toBe(0);
  });
});
