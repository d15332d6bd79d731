/** Stream ids are `<ms>-<seq>`; both parts fit a double exactly (ms < 2^53, seq small in practice). */
export function parseStreamId(id: string): [number, number] {
  const dash = id.indexOf('-');
  if (dash < 0) return [Number(id), 0];
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

export function compareStreamIds(a: string, b: string): number {
  const [am, as] = parseStreamId(a);
  const [bm, bs] = parseStreamId(b);
  return am !== bm ? am - bm : as - bs;
}

export function streamIdMs(id: string): number {
  return parseStreamId(id)[0];
}
