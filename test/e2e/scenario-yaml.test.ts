import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ALIAS_BOMB, manyAliases } from '../helpers/scenario-yaml.js';

const dir = mkdtempSync(join(tmpdir(), 'streamctl-scenario-yaml-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('streamctl scenario validate on YAML aliases (issue 18, kind 5)', () => {
  it('accepts a valid scenario with 50 `thresholds: *strict` aliases (exit 0)', async () => {
    const path = file('many.yaml', manyAliases(50));
    const result = await runCli(['scenario', 'validate', path]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`${path}: valid (51 steps`);
    expect(result.code).toBe(0);
  });

  it('refuses an alias bomb with exit 64, naming the file and the line', async () => {
    const path = file('bomb.yaml', ALIAS_BOMB);
    const result = await runCli(['scenario', 'validate', path]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(`${path}: invalid scenario`);
    expect(result.stderr).toMatch(/line 5, column \d+: alias \*d adds/);
    expect(result.stderr).not.toContain('resource exhaustion');
  });

  it('refuses a merge key on a scalar with exit 64 and a message that says merges take maps', async () => {
    const path = file('merge.yaml', 'interval: 1s\nsteps:\n  - ratio: 0.1\n    observe: 1s\n    <<: 3\n');
    const result = await runCli(['scenario', 'validate', path]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(`${path}: invalid scenario`);
    expect(result.stderr).toContain('line 5, column 9: `<<:` merges maps only');
  });
});
