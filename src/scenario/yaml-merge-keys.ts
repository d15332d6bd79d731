import { isAlias, isMap, isScalar, isSeq, visit, type Document, type Node } from 'yaml';
import { resolveAliases } from './yaml-aliases.js';

/**
 * Merge keys (`<<: *defaults`, YAML 1.1's https://yaml.org/type/merge.html) are supported: a
 * scenario parses with the yaml library's `merge: true`, keys written in the map win over merged
 * ones. The library throws on a merge of anything but maps, with no line; this finds such a
 * merge first, so it is reported with its line. Pure.
 *
 * Returns the source offset and message of the first bad merge, or null.
 */
export function checkMergeKeys(doc: Document): { offset: number; message: string } | null {
  const targetOf = new Map<unknown, Node | undefined>(resolveAliases(doc).map((a) => [a.node, a.target]));
  const deref = (node: unknown): unknown => (isAlias(node) ? targetOf.get(node) : node);
  let problem: { offset: number; message: string } | null = null;
  visit(doc, {
    Pair: (_key, pair) => {
      if (problem || !isMergeKey(pair.key)) return;
      const value = deref(pair.value);
      const sources = isSeq(value) ? value.items.map(deref) : [value];
      if (!sources.every((source) => isMap(source))) {
        const at = (pair.value as Node | null)?.range?.[0] ?? (pair.key as Node).range?.[0] ?? 0;
        problem = { offset: at, message: '`<<:` merges maps only: give it a map, an alias of a map (`<<: *defaults`) or a list of those' };
        return visit.BREAK;
      }
    },
  });
  return problem;
}

/** `<<` as a plain key: the merge tag's symbol once `merge: true` resolved it, or the bare text. */
function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  if (typeof key.value === 'symbol') return key.value.description === '<<';
  return key.value === '<<' && (key.type === undefined || key.type === 'PLAIN');
}
