/**
 * Compares two HTTP answers by contract, not by value: status code, whether the body is JSON, the
 * key set and value type at every path, and the value itself only where it is deterministic and
 * clients branch on it (the `VALUE_KEYS`). Pure, so the differential suite's verdicts are tested
 * without a socket.
 */

export interface Answer {
  status: number;
  /** The body's JSON, or undefined when the body is not JSON (an HTML error page, say). */
  json: unknown;
}

/** Keys whose values clients compare (`jq '.status'`, `.healthy`, `.current_ratio`...), so their values must match too. */
const VALUE_KEYS = new Set(['status', 'success', 'healthy', 'processing', 'current_ratio', 'old_ratio', 'new_ratio', 'traffic_ratio', 'consumers_stopped', 'consistency_ok']);

/**
 * Paths whose object keys are names the service chooses (consumer names), not contract: their
 * entries are compared as one merged shape under `<path>.*`.
 */
const MAP_PATHS = new Set(['consumer_stats']);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Merges the entries of a map into one object whose keys are every entry's keys. */
function mergedEntries(map: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const entry of Object.values(map)) {
    if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) Object.assign(merged, entry);
  }
  return merged;
}

function compareValues(original: unknown, ours: unknown, path: string, key: string, out: string[]): void {
  const a = typeOf(original);
  const b = typeOf(ours);
  if (a !== b) {
    out.push(`type ${path}: ${a}→${b}`);
    return;
  }
  if (a === 'object') {
    const left = original as Record<string, unknown>;
    const right = ours as Record<string, unknown>;
    if (MAP_PATHS.has(path)) {
      compareValues(mergedEntries(left), mergedEntries(right), `${path}.*`, '*', out);
      return;
    }
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    for (const k of keys) {
      const p = join(path, k);
      if (!Object.hasOwn(right, k)) out.push(`-${p}`);
      else if (!Object.hasOwn(left, k)) out.push(`+${p}`);
      else compareValues(left[k], right[k], p, k, out);
    }
    return;
  }
  if (a === 'array') {
    const left = original as unknown[];
    const right = ours as unknown[];
    if (left.length > 0 && right.length > 0) compareValues(left[0], right[0], `${path}[]`, key, out);
    return;
  }
  if (VALUE_KEYS.has(key) && original !== ours) out.push(`value ${path}: ${JSON.stringify(original)}→${JSON.stringify(ours)}`);
}

/**
 * Every contract difference between the original's answer and ours, as sorted short strings:
 * `status 500→400`, `body html→json`, `+path` (only ours has it), `-path` (only the original),
 * `type path: a→b`, `value path: a→b`. An empty list means the same contract.
 */
export function contractDifferences(original: Answer, ours: Answer): string[] {
  const out: string[] = [];
  if (original.status !== ours.status) out.push(`status ${original.status}→${ours.status}`);
  const originalIsJson = original.json !== undefined;
  const oursIsJson = ours.json !== undefined;
  if (originalIsJson !== oursIsJson) out.push(`body ${originalIsJson ? 'json' : 'html'}→${oursIsJson ? 'json' : 'html'}`);
  else if (originalIsJson) compareValues(original.json, ours.json, '', '', out);
  return out.sort();
}

/** One answer in a table cell: `200 JSON`, `500 HTML`. */
export function describeAnswer(answer: Answer): string {
  return `${answer.status} ${answer.json === undefined ? 'HTML' : 'JSON'}`;
}
