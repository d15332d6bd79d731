import { UsageError } from '../shared/errors.js';

/** One problem in a scenario, at a field path like `steps[2].observe`. */
export interface ScenarioIssue {
  path: string;
  message: string;
}

/** `['steps', 2, 'observe']` -> `steps[2].observe`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(top level)';
}

/** Every issue found, each on its own line; exit 64. */
export class ScenarioError extends UsageError {
  constructor(readonly file: string, readonly issues: ScenarioIssue[]) {
    super(
      `${file}: invalid scenario (${issues.length} problem${issues.length === 1 ? '' : 's'})\n` +
        issues.map((i) => `  ${i.path}: ${i.message}`).join('\n'),
      'see `streamctl run --help` for the scenario format, or scenarios/*.yaml for examples',
    );
    this.name = 'ScenarioError';
  }
}
