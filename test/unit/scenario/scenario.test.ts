import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planDurationMs } from '../../../src/control/plan.js';
import { ScenarioError } from '../../../src/scenario/issues.js';
import { loadScenario, parseScenario } from '../../../src/scenario/load-scenario.js';
import { ExitCode } from '../../../src/shared/exit-code.js';

const root = new URL('../../..', import.meta.url).pathname;

function issuesOf(text: string): string[] {
  try {
    parseScenario(text, 'x.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).exitCode).toBe(ExitCode.Usage);
    return (error as ScenarioError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the scenario to be invalid');
}

describe('shipped scenarios', () => {
  it('every file in scenarios/ is valid', async () => {
    const files = readdirSync(join(root, 'scenarios')).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(['canary.yaml', 'cutover.yaml', 'four-week.yaml', 'rehearsal.yaml']);
    for (const file of files) await expect(loadScenario(join(root, 'scenarios', file))).resolves.toBeTruthy();
  });

  it('rehearsal.yaml drives 0.3 then 1.0 for 20 s each on a local serve, each under 200/s of legacy uploads', async () => {
    const plan = await loadScenario(join(root, 'scenarios/rehearsal.yaml'));
    expect(plan.target).toBe('http://127.0.0.1:5225');
    expect(plan.steps.map((s) => (s.kind === 'ratio' ? s.ratio : s.kind))).toEqual([0.3, 1]);
    for (const step of plan.steps) {
      expect(step).toMatchObject({ kind: 'ratio', observeMs: 20_000, intervalMs: 5_000, thresholds: { maxErrorRate: 1 } });
      // The load outlasts the observation (the engine stops it with the step), on the endpoint the ratio splits.
      expect(step).toMatchObject({ load: { rate: 200, endpoint: '/upload_health_data', devices: 200 } });
      expect(step.kind === 'ratio' && step.load!.durationMs).toBeGreaterThanOrEqual(20_000);
    }
    expect(planDurationMs(plan)).toBe(40_000);
    expect(plan.onBreach).toBe('rollback');
  });

  it('canary.yaml is 10 % for 30 minutes sampled every minute (spec §3)', async () => {
    const plan = await loadScenario(join(root, 'scenarios/canary.yaml'));
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]).toMatchObject({ kind: 'ratio', ratio: 0.1, observeMs: 30 * 60_000, intervalMs: 60_000 });
    expect(plan.onBreach).toBe('rollback');
  });

  it('cutover.yaml is consistency, then 0.3, 0.6, 1.0 for 5 minutes each with a 1 % error ceiling (spec §4)', async () => {
    const plan = await loadScenario(join(root, 'scenarios/cutover.yaml'));
    expect(plan.steps.map((s) => (s.kind === 'ratio' ? s.ratio : s.kind))).toEqual(['check', 0.3, 0.6, 1]);
    for (const step of plan.steps) if (step.kind === 'ratio') expect(step).toMatchObject({ observeMs: 300_000, intervalMs: 60_000, thresholds: { maxErrorRate: 1 } });
    expect(planDurationMs(plan)).toBe(15 * 60_000);
    expect(plan.limits.failureLimit).toBe(0);
  });

  it('four-week.yaml walks 10, 30, 50, 80, 100 % with manual gates between (spec §5)', async () => {
    const plan = await loadScenario(join(root, 'scenarios/four-week.yaml'));
    const ratios = plan.steps.flatMap((s) => (s.kind === 'ratio' ? [s.ratio] : []));
    expect(ratios).toEqual([0.1, 0.3, 0.5, 0.8, 1]);
    const kinds = plan.steps.map((s) => s.kind);
    // Between each pair of ratio steps there is at least one manual gate.
    for (let i = 0; i < kinds.length - 1; i++) if (kinds[i] === 'ratio') expect(kinds[i + 1]).toBe('pause');
    // The last step drops the relative check: no traditional traffic is left at 100 %.
    const last = plan.steps.at(-1)!;
    expect(last.kind === 'ratio' && last.thresholds.maxP95Ratio).toBeNull();
  });
});

describe('scenario validation names field paths', () => {
  it('reports a bad duration at steps[i].observe', () => {
    expect(issuesOf('steps:\n  - ratio: 0.1\n    observe: 5m\n  - ratio: 0.2\n    observe: 5m\n  - ratio: 0.3\n    observe: soon\n')).toEqual([
      'steps[2].observe: "soon" is not a duration; use e.g. 30s, 5m, 1h',
    ]);
  });

  it('reports ratios out of range, unknown fields and wrong types', () => {
    const issues = issuesOf('steps:\n  - ratio: 1.5\n    observe: 1m\n  - ratio: "0.3"\n    observe: 1m\n    obsrve: 2m\non_breach: panic\n');
    expect(issues).toContain('steps[0].ratio: must be <= 1 (1.0 = 100 %)');
    expect(issues).toContain('steps[1].obsrve: unknown field (check the spelling)');
    expect(issues.some((i) => i.startsWith('steps[1].ratio: expected a number'))).toBe(true);
    expect(issues).toContain('on_breach: expected rollback or hold');
  });

  it('applies cross-field rules: one kind per step, observe required, interval not longer than observe', () => {
    const issues = issuesOf(
      'steps:\n  - ratio: 0.1\n  - ratio: 0.2\n    pause: manual\n  - ratio: 0.3\n    observe: 30s\n    interval: 1m\n  - pause: manual\n    observe: 1m\n  - {}\n',
    );
    expect(issues).toEqual([
      'steps[0].observe: required for a ratio step (or set observe: at the top level)',
      'steps[1]: a step does one thing; it has ratio and pause',
      'steps[2].interval: the interval (60s) is longer than observe (30s), so no sample would be taken',
      'steps[3].observe: only a ratio step takes observe:',
      'steps[4]: a step needs one of ratio:, pause: manual or check: consistency',
    ]);
  });

  it('checks webhooks and the target', () => {
    const issues = issuesOf('target: ftp://x\nwebhooks:\n  - url: not a url\n    timeout: 0s\nsteps:\n  - check: consistency\n');
    expect(issues).toEqual([
      'target: "ftp://x" is not an http(s) URL',
      'webhooks[0].url: "not a url" is not an http(s) URL',
      'webhooks[0].timeout: must be more than 0',
    ]);
    const schema = issuesOf('webhooks:\n  - url: http://x\n    events: [start, lunch]\nsteps:\n  - check: consistency\n');
    expect(schema[0]).toMatch(/^webhooks\[0\]\.events\[1\]: /);
  });

  it('reports YAML syntax errors with a line', () => {
    expect(issuesOf('steps:\n  - ratio: [0.1\n')[0]).toMatch(/^line \d+, column \d+:/);
  });

  it('validates load: fields, naming each path', () => {
    const issues = issuesOf(
      'observe: 20s\nsteps:\n  - ratio: 0.3\n    load: { rate: fast, duration: 20s, devices: 0.5, connections: 0, endpoint: /nope }\n' +
        '  - ratio: 0.6\n    load: { rate: 0, duration: soon, extra: 1 }\n  - ratio: 0.9\n    load: 200\n  - ratio: 1.0\n    load: { rate: 10 }\n',
    );
    expect(issues).toEqual([
      'steps[0].load.rate: expected requests per second, e.g. 200',
      'steps[0].load.devices: must be a whole number',
      'steps[0].load.connections: must be at least 1',
      expect.stringMatching(/^steps\[0\]\.load\.endpoint: expected one of \/upload_health_data, \/upload_health_data_v2, /),
      'steps[1].load.rate: must be more than 0',
      'steps[1].load.extra: unknown field (check the spelling)',
      'steps[2].load: expected { rate, duration, devices?, connections?, endpoint? }',
      'steps[3].load.duration: expected a duration such as 30s, 5m, 1h',
    ]);
  });

  it('applies the load: rules: a parseable positive duration, at least the observation, ratio steps only', () => {
    expect(issuesOf('steps:\n  - ratio: 0.3\n    observe: 20s\n    interval: 5s\n    load: { rate: 10, duration: soon }\n')).toEqual([
      'steps[0].load.duration: "soon" is not a duration; use e.g. 30s, 5m, 1h',
    ]);
    expect(issuesOf('steps:\n  - ratio: 0.3\n    observe: 20s\n    interval: 5s\n    load: { rate: 10, duration: 0s }\n')).toEqual(['steps[0].load.duration: must be more than 0']);
    expect(issuesOf('steps:\n  - ratio: 0.3\n    observe: 20s\n    interval: 5s\n    load: { rate: 10, duration: 5s }\n')).toEqual([
      "steps[0].load.duration: the load (5s) would end before the step's observation (20s); make it at least as long (it is stopped when the step ends)",
    ]);
    expect(issuesOf('steps:\n  - pause: manual\n    load: { rate: 10, duration: 5s }\n')).toEqual(['steps[0].load: only a ratio step takes load:']);
  });

  it('normalizes load: to a LoadSpec in ms, keeping the optional fields given', () => {
    const plan = parseScenario('steps:\n  - ratio: 0.3\n    observe: 20s\n    interval: 5s\n    load: { rate: 200, duration: 25s, devices: 50, connections: 8, endpoint: /upload_health_data }\n', 'x.yaml');
    expect(plan.steps[0]).toMatchObject({ load: { rate: 200, durationMs: 25_000, devices: 50, connections: 8, endpoint: '/upload_health_data' } });
    const bare = parseScenario('steps:\n  - ratio: 0.3\n    observe: 20s\n    interval: 5s\n    load: { rate: 5, duration: 20 }\n', 'x.yaml');
    expect(bare.steps[0]).toMatchObject({ load: { rate: 5, durationMs: 20_000 } });
    expect(Object.keys((bare.steps[0] as { load: object }).load).sort()).toEqual(['durationMs', 'rate']);
  });

  it('an empty step list is refused', () => {
    expect(issuesOf('steps: []\n')).toEqual(['steps: a scenario needs at least one step']);
  });
});

describe('normalize', () => {
  it('merges thresholds step over scenario over defaults, and fills webhook defaults', () => {
    const plan = parseScenario(
      [
        'name: t', 'observe: 2m', 'interval: 30', 'thresholds: { max_error_rate: 2, max_p95_ms: 400 }',
        'webhooks:', '  - url: http://hooks.local/x', 'steps:', '  - ratio: 0.5', '    thresholds: { max_p95_ms: 900 }',
        '    load: { rate: 50, duration: 2m }', '  - pause: manual',
      ].join('\n'),
      'x.yaml',
    );
    expect(plan.steps[0]).toMatchObject({
      kind: 'ratio', observeMs: 120_000, intervalMs: 30_000,
      thresholds: { maxErrorRate: 2, maxP95Ms: 900, maxP95Ratio: null, minRequests: 20 },
      load: { rate: 50, durationMs: 120_000 },
    });
    expect(plan.steps[1]).toEqual({ kind: 'pause', message: 'manual gate: continue when ready' });
    expect(plan.webhooks[0]).toEqual({ url: 'http://hooks.local/x', events: ['start', 'step', 'breach', 'rollback', 'done'], timeoutMs: 5_000, retries: 2, headers: {} });
  });

  it('a missing file is a usage error', async () => {
    await expect(loadScenario('/nonexistent/x.yaml')).rejects.toMatchObject({ exitCode: ExitCode.Usage });
  });
});
