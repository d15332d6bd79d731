import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { styleFor } from '../../../src/cli/control/io.js';
import { buildProgram } from '../../../src/cli/main.js';
import { renderPlan } from '../../../src/cli/render/plan-view.js';
import { runResultText } from '../../../src/cli/render/run-result.js';
import { eventLine, spinnerText } from '../../../src/cli/render/run-events.js';
import { stepTable } from '../../../src/cli/render/step-table.js';
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
