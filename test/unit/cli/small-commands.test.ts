import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setRatioAction, showRatioAction } from '../../../src/cli/control/ratio-action.js';
import { rollbackAction } from '../../../src/cli/control/rollback-action.js';
import { statusAction, watchAction } from '../../../src/cli/control/status-action.js';
import { ExitCode } from '../../../src/shared/exit-code.js';
import { UsageError } from '../../../src/shared/errors.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { FakeService } from '../../helpers/fake-service.js';
import { captureIo } from './io-helper.js';

let service: FakeService;
let dataDir: string;
const flags = () => ({ target: service.url, dataDir, timeout: '2s' });
beforeEach(async () => {
  service = await new FakeService().start();
  dataDir = mkdtempSync(join(tmpdir(), 'streamctl-cli-'));
});
afterEach(async () => {
  await service.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('streamctl ratio', () => {
  it('refuses NaN, strings and out-of-range values before sending anything (exit 64)', async () => {
    for (const bad of ['NaN', 'abc', '1.5', '-1', '30%', '']) {
      await expect(setRatioAction(bad, flags(), captureIo())).rejects.toBeInstanceOf(UsageError);
    }
    expect(service.log).toHaveLength(0);
  });

  it('sets, reads back, and reports', async () => {
    const io = captureIo();
    expect(await setRatioAction('0.3', { ...flags(), reason: 'day 18' }, io)).toBe(ExitCode.Ok);
    expect(io.stdout[0]).toBe('ratio 0 -> 0.3 (30%), read back 0.3');
    expect(service.calls('POST', '/api/stream_traffic_ratio')[0]!.body).toEqual({ ratio: 0.3, reason: 'day 18' });
    const show = captureIo();
    await showRatioAction({ ...flags(), json: true }, show);
    expect(JSON.parse(show.stdout[0]!)).toEqual({ target: service.url, ratio: 0.3 });
  });

  it('exit 2 when the ratio does not read back as set', async () => {
    service.stuckRatio = true;
    const io = captureIo();
    expect(await setRatioAction('0.3', flags(), io)).toBe(ExitCode.CouldNotRun);
    expect(io.stderr[0]).toContain('reads back 0');
  });
});

describe('streamctl rollback', () => {
  it('exit 0 only when the ratio reads 0 afterwards', async () => {
    service.ratio = 0.6;
    const io = captureIo();
    expect(await rollbackAction({ ...flags(), reason: 'p95 spike' }, io, new FakeClock())).toBe(ExitCode.Ok);
    expect(service.ratio).toBe(0);
    expect(io.stdout[0]).toContain('yes: ratio is 0');
    expect(service.calls('POST', '/api/emergency_rollback')[0]!.body).toEqual({ reason: 'p95 spike', drain: true });
  });

  it('exit 2 with the loud message when it cannot be verified', async () => {
    service.ratio = 0.6;
    service.rollbackMode = 'lie';
    service.stuckRatio = true;
    const io = captureIo();
    expect(await rollbackAction({ ...flags(), json: true }, io, new FakeClock())).toBe(ExitCode.CouldNotRun);
    const doc = JSON.parse(io.stdout[0]!);
    expect(doc).toMatchObject({ verified: false, ratio_after: 0.6, fallback_used: true });
  });

  it('exit 2 and says so when only the answering instance holds 0 (its Redis did not take it)', async () => {
    service.ratio = 0.5;
    service.rollbackMode = 'local';
    const io = captureIo();
    expect(await rollbackAction(flags(), io, new FakeClock())).toBe(ExitCode.CouldNotRun);
    const text = io.stderr.join('\n');
    expect(text).toContain('the service answered 500: ratio is 0 on this instance, the shared ratio could not be written');
    expect(text).toContain('ROLLED BACK ON ONE INSTANCE ONLY');
    expect(service.calls('POST', '/api/stream_traffic_ratio')).toHaveLength(0);
  });
});

describe('streamctl status and watch', () => {
  it('shows health, ratio, metrics, backlog, audit and the latest run', async () => {
    await setRatioAction('0.2', flags(), captureIo());
    const io = captureIo();
    expect(await statusAction(flags(), io)).toBe(ExitCode.Ok);
    const text = io.stdout.join('\n');
    for (const expected of ['health  healthy', 'ratio   0.2 (20%)', 'metrics (last 60s)', 'dead letters', 'ratio_set 0 -> 0.2', 'latest run  none']) {
      expect(text).toContain(expected);
    }
  });

  it('exit 2 when the service is unreachable, still printing what it knows', async () => {
    service.down = true;
    const io = captureIo();
    expect(await statusAction({ ...flags(), json: true }, io)).toBe(ExitCode.CouldNotRun);
    expect(JSON.parse(io.stdout[0]!).health.ok).toBe(false);
  });

  it('watch refreshes every --every and ends with 0 when stopped', async () => {
    const io = captureIo();
    const clock = new FakeClock();
    const stop = new AbortController();
    expect(await watchAction({ ...flags(), json: true, every: '2s' }, io, stop.signal, clock, 3)).toBe(ExitCode.Ok);
    expect(io.stdout.map((l) => JSON.parse(l).ratio.value)).toEqual([0, 0, 0]);
    expect(clock.slept).toBe(4_000);
    stop.abort();
    const after = captureIo();
    expect(await watchAction({ ...flags(), every: '2s' }, after, stop.signal, clock)).toBe(ExitCode.Ok);
    expect(after.stdout).toHaveLength(0);
  });
});
