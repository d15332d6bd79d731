import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { UsageError } from '../shared/errors.js';
import type { Plan } from '../control/plan.js';
import { formatPath, ScenarioError, type ScenarioIssue } from './issues.js';
import { normalize } from './normalize.js';
import { checkRules } from './rules.js';
import { scenarioSchema } from './schema.js';
import { checkAliases, MAX_ALIAS_NODES } from './yaml-aliases.js';
import { checkMergeKeys } from './yaml-merge-keys.js';

/**
 * YAML text -> plain data, or a ScenarioError (exit 64) naming the line of every YAML problem:
 * syntax, an alias bomb (yaml-aliases.ts), a merge key on something else than maps
 * (yaml-merge-keys.ts). Merge keys are supported (`merge: true`).
 */
function readYaml(text: string, file: string): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true, lineCounter: lines });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `line ${line}, column ${col}`;
  };
  if (doc.errors.length > 0) {
    throw new ScenarioError(file, doc.errors.map((e) => ({
      path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : at(e.pos[0]),
      message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
    })));
  }
  const aliases = checkAliases(doc);
  if (!aliases.ok) throw new ScenarioError(file, [{ path: at(aliases.offset), message: aliases.message }]);
  const merge = checkMergeKeys(doc);
  if (merge) throw new ScenarioError(file, [{ path: at(merge.offset), message: merge.message }]);
  try {
    // The library's own alias limit stays on as a second line, at the same bound.
    return doc.toJS({ maxAliasCount: MAX_ALIAS_NODES });
  } catch (error) {
    // Not expected after the checks above; still a problem of the file, never a crash (exit 2).
    throw new ScenarioError(file, [{ path: at(doc.contents?.range?.[0] ?? 0), message: `cannot read the YAML: ${(error as Error).message}` }]);
  }
}

/** YAML text -> Plan: parse, schema, cross-field rules, normalize. Throws ScenarioError (exit 64). */
export function parseScenario(text: string, file = 'scenario.yaml'): Plan {
  let data: unknown;
  try {
    data = readYaml(text, file);
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    // E.g. a stack overflow on thousands of nested brackets: still the file's fault, exit 64.
    throw new ScenarioError(file, [{ path: '(whole file)', message: `cannot read the YAML: ${(error as Error).message}` }]);
  }
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
