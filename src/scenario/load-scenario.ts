import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseDocument } from 'yaml';
import { UsageError } from '../shared/errors.js';
import type { Plan } from '../control/plan.js';
import { formatPath, ScenarioError, type ScenarioIssue } from './issues.js';
import { normalize } from './normalize.js';
import { checkRules } from './rules.js';
import { scenarioSchema } from './schema.js';

/** YAML text -> Plan: parse, schema, cross-field rules, normalize. Throws ScenarioError (exit 64). */
export function parseScenario(text: string, file = 'scenario.yaml'): Plan {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(file, doc.errors.map((e) => ({
      path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : 'yaml',
      message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
    })));
  }
  const data: unknown = doc.toJS({ maxAliasCount: 50 });
  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) {
    const issues: ScenarioIssue[] = parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return { path: formatPath([...issue.path, issue.keys[0]!]), message: `unknown field${issue.keys.length > 1 ? `s ${issue.keys.join(', ')}` : ''} (check the spelling)` };
      }
      return { path: formatPath(issue.path), message: issue.message };
    });
    throw new ScenarioError(file, issues);
  }
  const issues = checkRules(parsed.data);
  if (issues.length > 0) throw new ScenarioError(file, issues);
  return normalize(parsed.data, basename(file, extname(file)));
}

export async function loadScenario(file: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read the scenario (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseScenario(text, file);
}
