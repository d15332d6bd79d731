import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../src/scenario/issues.js';
import { parseScenario } from '../../../src/scenario/load-scenario.js';
import { checkAliases, MAX_ALIAS_NODES } from '../../../src/scenario/yaml-aliases.js';
import { ExitCode } from '../../../src/shared/exit-code.js';
import { ALIAS_BOMB, manyAliases } from '../../helpers/scenario-yaml.js';

function issuesOf(text: string): string[] {
  try {
    parseScenario(text, 'x.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).exitCode).toBe(ExitCode.Usage);
    return (error as ScenarioError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the scenario to be refused');
}

describe('YAML aliases in scenarios', () => {
  it('accepts a valid scenario with 50 (and 200) aliases of one thresholds map', () => {
    const plan = parseScenario(manyAliases(50), 'many.yaml');
    expect(plan.steps).toHaveLength(51);
    expect(plan.steps.at(-1)).toMatchObject({ kind: 'ratio', thresholds: { maxErrorRate: 1, maxP95Ms: 500, minRequests: 10 } });
    expect(parseScenario(manyAliases(200), 'many.yaml').steps).toHaveLength(201);
  });

  it('refuses an alias bomb with exit 64, naming the line of the alias that overflows', () => {
    const issues = issuesOf(ALIAS_BOMB);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^line 5, column \d+: alias \*d adds \d+ nodes and takes the aliases' expansion past 10000 nodes/);
  });

  it('refuses an alias inside the node it names', () => {
    expect(issuesOf('steps: &s\n  - ratio: 0.1\n    observe: 1s\n  - *s\n')).toEqual([
      'line 4, column 5: alias *s lies inside the node &s it names: it would expand without end',
    ]);
  });

  it('counts expanded nodes, not alias uses', () => {
    const verdict = checkAliases(parseDocument('x: &x {a: 1, b: 2}\ny: [*x, *x]\n'));
    expect(verdict).toEqual({ ok: true, expandedNodes: 10 });
    expect(checkAliases(parseDocument('x: &x {a: 1, b: 2}\ny: [*x, *x]\n'), 9)).toMatchObject({ ok: false });
    expect(MAX_ALIAS_NODES).toBe(10_000);
  });
});

describe('YAML merge keys in scenarios', () => {
  it('merges a step default, keys written in the step winning', () => {
    const plan = parseScenario([
      'interval: 1s',
      'steps:',
      '  - &first',
      '    ratio: 0.1',
      '    observe: 2s',
      '    thresholds: { max_error_rate: 1, min_requests: 5 }',
      '  - <<: *first',
      '    ratio: 0.5',
      '  - { <<: *first, ratio: 1, observe: 4s }',
    ].join('\n') + '\n', 'merge.yaml');
    expect(plan.steps.map((s) => s.kind === 'ratio' && [s.ratio, s.observeMs, s.thresholds.minRequests])).toEqual([[0.1, 2_000, 5], [0.5, 2_000, 5], [1, 4_000, 5]]);
  });

  it('refuses a merge of something else than maps, with its line and a message that says so', () => {
    expect(issuesOf('interval: 1s\nsteps:\n  - ratio: 0.1\n    observe: 1s\n    <<: 3\n')).toEqual([
      'line 5, column 9: `<<:` merges maps only: give it a map, an alias of a map (`<<: *defaults`) or a list of those',
    ]);
  });
});

describe('every YAML error is exit 64 with its line', () => {
  it('syntax, unknown anchors and duplicate keys', () => {
    expect(issuesOf('steps:\n  - ratio: 0.1\n    observe: [1s\n')[0]).toMatch(/^line \d+, column \d+: /);
    expect(issuesOf('steps:\n  - ratio: 0.1\n    observe: *nowhere\n')).toEqual(['line 3, column 14: alias *nowhere names no anchor before it: set &nowhere on a node above it']);
    expect(issuesOf('steps:\n  - ratio: 0.1\n    ratio: 0.2\n    observe: 1s\n')[0]).toMatch(/^line 3, column \d+: /);
  });
});
