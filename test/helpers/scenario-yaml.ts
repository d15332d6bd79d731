/** Scenario YAML fixtures for issue 18, kind 5 (aliases). */

/** A valid scenario of `steps` ratio steps, each `thresholds: *strict` (issue 18, kind 5). */
export function manyAliases(steps: number): string {
  const lines = ['name: many', 'interval: 1s', 'steps:', '  - ratio: 0.01', '    observe: 1s', '    thresholds: &strict { max_error_rate: 1, max_p95_ms: 500, min_requests: 10 }'];
  for (let i = 1; i <= steps; i++) lines.push(`  - ratio: ${Math.min(1, 0.01 + i / 100)}`, '    observe: 1s', '    thresholds: *strict');
  return lines.join('\n') + '\n';
}

/** A "billion laughs": 9 levels of 9 aliases; the first `*d` (line 5) takes the expansion past 10,000 nodes. */
export const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
  'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
  'i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
  'steps: *i',
].join('\n') + '\n';
