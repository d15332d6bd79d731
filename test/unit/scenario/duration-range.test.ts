import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../src/scenario/issues.js';
import { parseScenario } from '../../../src/scenario/load-scenario.js';
import { MAX_REQUEST_TIMEOUT, parseDuration } from '../../../src/shared/durations.js';
import { UsageError } from '../../../src/shared/errors.js';

function issuesOf(text: string): string[] {
  try {
    parseScenario(text, 'x.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the scenario to be invalid');
}

describe('every duration has a range, and the refusal says what it is and why', () => {
  it('refuses observe: 1e13 and interval: 1e13 (issue 18: they passed validate, then broke the run)', () => {
    const issues = issuesOf('observe: 1e13\ninterval: 1e13\nsteps:\n  - ratio: 0.3\n');
    expect(issues).toContain('observe: 10000000000000s is more than the maximum, 7d: a step longer than a week is an unattended deployment, not an observation; split it into steps with `pause: manual` gates');
    expect(issues.some((i) => i.startsWith('interval: 10000000000000s is more than the maximum, 7d'))).toBe(true);
  });

  it('refuses text durations past 7 days at every level, and takes 7 days itself', () => {
    expect(issuesOf('steps:\n  - ratio: 0.3\n    observe: 8d\n')).toEqual([expect.stringMatching(/^steps\[0\]\.observe: 8d is more than the maximum, 7d/)]);
    expect(issuesOf('observe: 5m\nsteps:\n  - ratio: 0.3\n    load: { rate: 10, duration: 99999999d }\n')).toEqual([expect.stringMatching(/^steps\[0\]\.load\.duration: 99999999d is more than the maximum, 7d/)]);
    expect(() => parseScenario('observe: 7d\ninterval: 1h\nsteps:\n  - ratio: 0.3\n')).not.toThrow();
  });

  it('caps a webhook timeout at 60 s, since a run\'s end waits for it', () => {
    expect(issuesOf('observe: 1m\nwebhooks:\n  - url: http://h.example/x\n    timeout: 2m\nsteps:\n  - ratio: 0.3\n')).toEqual([expect.stringMatching(/^webhooks\[0\]\.timeout: 2m is more than the maximum, 1m: a run's end waits/)]);
  });

  it('refuses the same on the command line (exit 64), naming the flag', () => {
    expect(() => parseDuration('8d', '--observe')).toThrow(UsageError);
    expect(() => parseDuration('8d', '--observe')).toThrow('--observe: "8d" is more than the maximum, 7d');
    expect(() => parseDuration('9999999999999999999', '--interval')).toThrow(/maximum/);
    expect(parseDuration('7d', '--observe')).toBe(7 * 86_400_000);
    expect(() => parseDuration('2m', '--timeout', MAX_REQUEST_TIMEOUT)).toThrow(/--timeout: "2m" is more than the maximum, 1m: .*lease/);
  });

  it('refuses credentials in a webhook URL, which the HTTP client would silently not send', () => {
    const issues = issuesOf('observe: 1m\nwebhooks:\n  - url: https://user:pw-secret@h.example/x\nsteps:\n  - ratio: 0.3\n');
    expect(issues).toEqual(['webhooks[0].url: credentials in the URL (user:password@) are not sent; put them in headers:, e.g. Authorization: Basic ...']);
  });

  it('never echoes a secret of a webhook URL it refuses', () => {
    const issues = issuesOf('observe: 1m\nwebhooks:\n  - url: ftp://h.example/x?token=tok-secret\nsteps:\n  - ratio: 0.3\n');
    expect(issues.join('\n')).not.toContain('tok-secret');
    expect(issues).toEqual(['webhooks[0].url: "ftp://h.example/x?token=***" is not an http(s) URL']);
  });
});
