/**
 * The CLI's `--json` documents use snake_case keys, as the service's API does (`traffic_ratio`,
 * `p95_response_time`); before issue 11 they mixed in camelCase from the TypeScript objects
 * (`runId`, `exitCode`, `readBack`, `p95Ms`). Internal objects and the journal keep camelCase:
 * the names change only where a document is printed.
 *
 * A key changes only when it looks like a camelCase identifier (`/^[a-z][a-zA-Z0-9]*$/` with a
 * capital): `p95Ms` -> `p95_ms`, `ratioAfter` -> `ratio_after`. Names that are data are left as
 * they are: status codes and error codes as keys (`503`, `ECONNREFUSED`), stream names, and the
 * subtrees under DATA_KEYS, which hold what a device or a user sent (an upload's `deviceSn`, a
 * webhook's header names, a dead letter's fields).
 */
const DATA_KEYS: ReadonlySet<string> = new Set(['headers', 'envelope', 'fields', 'original_fields', 'originalFields', 'patch', 'payload', 'body', 'bodies']);

const CAMEL = /^[a-z][a-zA-Z0-9]*$/;

/** `p95Ms` -> `p95_ms`; anything that is not camelCase is returned as is. Pure. */
export function snakeKey(key: string): string {
  if (!CAMEL.test(key) || !/[A-Z]/.test(key)) return key;
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

/** A copy of `value` with every object key in snake_case (snakeKey), DATA_KEYS subtrees untouched. Pure. */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return snakeKeys(JSON.parse(JSON.stringify(value)));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    const name = snakeKey(key);
    out[name] = DATA_KEYS.has(key) ? inner : snakeKeys(inner);
  }
  return out;
}

/** One `--json` document as printed: snake_case keys, one line. */
export function jsonDocument(doc: unknown): string {
  return JSON.stringify(snakeKeys(doc));
}
