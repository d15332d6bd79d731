/**
 * Every number of an answer that is not finite (NaN, Infinity: what Python's json.dumps writes for
 * such floats, read here through json5) becomes null, in objects and arrays, and its path is
 * returned (`summary.stream.error_rate`, `instances[0].paths.stream.errors`), so a schema reads
 * the rest and the caller can say which figure is unknown. Pure.
 */
export function nullNotNumbers(body: unknown): { body: unknown; paths: string[] } {
  const paths: string[] = [];
  const walk = (value: unknown, at: string): unknown => {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      paths.push(at);
      return null;
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${at}[${i}]`));
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, at ? `${at}.${k}` : k)]));
  };
  return { body: walk(body, ''), paths };
}
