import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { styleFor } from '../../../src/cli/control/io.js';
import { buildProgram } from '../../../src/cli/main.js';
import { renderPlan } from '../../../src/cli/render/plan-view.js';
import { runResultText } from '../../../src/cli/render/run-result.js';
import { eventLine, spinnerText } from '../../../src/cli/render/run-events.js';
import { stepLines, stepTable } from '../../../src/cli/render/step-table.js';
import { plainStyle } from '../../../src/cli/render/style.js';
import { flagsPlan } from '../control/harness.js';
import { captureIo } from './io-helper.js';

describe('render', () => {
  it('event lines name the check, value and threshold', () => {
    const line = eventLine({ type: 'decision', at: '2025-01-01T12:03:00.000Z', index: 1, action: 'breach', reason: 'error_rate 4.5% > 1%', check: 'error_rate', value: 4.5, threshold: 1 });
    expect(line).toBe('12:03:00 decision breach: error_rate 4.5% > 1%');
    expect(eventLine({ type: 'decision', at: '2025-01-01T12:03:00.000Z', index: 1, action: 'continue', reason: 'fine' })).toBeNull();
  });

  it('the step table has ratio, samples, worst error rate, worst p95, verdict', () => {
    const table = stepTable([{ index: 0, kind: 'ratio', label: '0.3', ratio: 0.3, samples: 5, plannedSamples: 5, worstErrorRate: 0.25, worstP95Ms: 41, verdict: 'passed' }]);
    for (const cell of ['ratio', 'samples', 'worst error rate', 'worst p95', 'verdict', '0.3', '5/5', '0.25%', '41ms', 'passed']) expect(table).toContain(cell);
  });

  it('a step load shows achieved rate, p95 and errors, in the event line, the lines and the table', () => {
    const load = { targetRate: 200, achievedRate: 198.5, sent: 4000, ok: 3990, dropped: 0, errors: { '500': 10 }, errorRate: 0.0025, p50Ms: 1, p95Ms: 3.2, p99Ms: 9, durationMs: 20_000, stoppedEarly: true, message: '' };
    expect(eventLine({ type: 'load_stopped', at: '2025-01-01T12:03:00.000Z', index: 0, summary: load })).toBe(
      '12:03:00 step 1: load 198.5/s of 200/s, 4000 sent, 3990 accepted, p95 3.2ms, errors 500:10 (0.25%) (stopped early)',
    );
    expect(eventLine({ type: 'load_started', at: '2025-01-01T12:02:40.000Z', index: 0, load: { rate: 200, durationMs: 20_000, endpoint: '/upload_health_data' } })).toBe(
      '12:02:40 step 1: load 200/s on /upload_health_data (up to 20s)',
    );
    expect(eventLine({ type: 'load_stopped', at: '2025-01-01T12:03:00.000Z', index: 0, summary: { ...load, error: 'boom' } })).toBe('12:03:00 step 1: load failed: boom');
    const row = { index: 0, kind: 'ratio' as const, label: '0.3', ratio: 0.3, samples: 4, plannedSamples: 4, worstErrorRate: 0, worstP95Ms: 2, verdict: 'passed' as const };
    expect(stepLines([{ ...row, load }])[0]).toContain('; load 198.5/s of 200/s');
    expect(stepTable([{ ...row, load }])).toContain('198.5/200/s, 3.2ms, 0.25% err');
    expect(stepTable([row])).not.toContain('load');
  });

  it('a failed rollback is the loudest message', () => {
    const text = runResultText({ runId: 'r', outcome: 'rollback_failed', exitCode: 2, reason: 'ROLLBACK COULD NOT BE VERIFIED', state: null }, null);
    expect(text).toContain('!!! ROLLBACK FAILED');
    expect(text).toContain('streamctl rollback');
  });

  it('the plan shows steps and total duration', () => {
    const text = renderPlan(flagsPlan({ thresholds: { maxP95Ms: 300 } }), 'http://t');
    expect(text).toContain('set ratio 0.6 (60%), observe 5m, a sample every 1m (5 samples)');
    expect(text).toContain('p95 <= 300ms');
    expect(text).toContain('total observation time: 15m');
  });

  it('the spinner shows the step, time left and latest figures', () => {
    expect(spinnerText('step 2/3: ratio 0.6', 10_000, 4_100, null)).toBe('step 2/3: ratio 0.6, next sample in 6s');
  });

  it('colour only on a TTY without NO_COLOR', () => {
    expect(styleFor(captureIo(), false)).toBe(plainStyle);
    expect(styleFor(captureIo({ env: { NO_COLOR: '1' } }), true)).toBe(plainStyle);
    expect(styleFor(captureIo(), true).bad('x')).not.toBe('x');
  });
});

describe('--help', () => {
  it('every control-plane command shows a worked example', () => {
    const program = buildProgram();
    const find = (path: string[]): Command => path.reduce<Command>((cmd, name) => cmd.commands.find((c) => c.name() === name)!, program);
    for (const path of [['cutover'], ['run'], ['scenario'], ['scenario', 'validate'], ['scenario', 'plan'], ['rollback'], ['ratio'], ['ratio', 'set'], ['status'], ['watch']]) {
      let text = '';
      const cmd = find(path);
      cmd.configureOutput({ writeOut: (s) => void (text += s), writeErr: (s) => void (text += s) });
      cmd.outputHelp();
      expect(text, path.join(' ')).toContain('Example:');
      expect(text, path.join(' ')).toMatch(/\$ streamctl /);
    }
  });
});
