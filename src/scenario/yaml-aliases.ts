import { isAlias, isMap, isPair, isSeq, visit, type Alias, type Document, type Node } from 'yaml';

/**
 * How many YAML nodes a scenario's aliases may add once expanded (each `*name` counts the nodes
 * of what it stands for: `*strict` on a 4-field thresholds map adds 9).
 *
 * 10,000, because a legitimate file stays far below and an alias bomb far above: the longest
 * plan a person writes step by step (scenarios/four-week.yaml has 10 steps) could have 200, each
 * aliasing a thresholds map, a load and a 20-node step default through `<<:`, about 8,000 nodes;
 * the expanded tree is then a few hundred KB at most. A "billion laughs" file of 9 levels of 9
 * aliases expands to about 4e8 nodes and is refused at its fifth level (the fourth already adds 8,289).
 *
 * The yaml library's own `maxAliasCount` (default 100) counts alias uses, not their size: 50
 * `thresholds: *strict` steps already tripped it, with an exception that named no line
 * (issue 18, kind 5).
 */
export const MAX_ALIAS_NODES = 10_000;

/**
 * Every alias of the document in order, with the node it stands for: the last node anchored
 * with its name before it in document order (so an alias inside its own anchor names the
 * anchor's node), as the yaml library resolves them; undefined for an unknown name.
 */
export function resolveAliases(doc: Document): Array<{ node: Alias; target: Node | undefined }> {
  const anchors = new Map<string, Node>();
  const aliases: Array<{ node: Alias; target: Node | undefined }> = [];
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) aliases.push({ node, target: anchors.get(node.source) });
      else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  return aliases;
}

export type AliasVerdict =
  | { ok: true; expandedNodes: number }
  | { ok: false; offset: number; message: string };

/**
 * Walks the document once in order (aliases resolve to the last anchor of that name before them,
 * as in the yaml library) and adds up the expanded size of every alias; the first alias that
 * takes the total past `maxNodes`, that lies inside the node it names (an endless tree), or
 * that names no anchor before it, is refused with its source offset. Pure: the document is not
 * changed.
 */
export function checkAliases(doc: Document, maxNodes = MAX_ALIAS_NODES): AliasVerdict {
  const aliases = resolveAliases(doc);
  const targetOf = new Map(aliases.map((a) => [a.node, a.target]));
  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  // Nodes once expanded; Infinity for an alias inside its own anchor.
  const size = (node: unknown): number => {
    if (node === null || node === undefined) return 0;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (open.has(node)) return Infinity;
    open.add(node);
    let n: number;
    if (isAlias(node)) n = size(targetOf.get(node));
    else if (isMap(node) || isSeq(node)) n = 1 + (node.items as unknown[]).reduce<number>((sum, item) => sum + size(item), 0);
    else if (isPair(node)) n = size(node.key) + size(node.value);
    else n = 1;
    open.delete(node);
    sizes.set(node, n);
    return n;
  };
  let total = 0;
  for (const { node, target } of aliases) {
    const offset = node.range?.[0] ?? 0;
    // The parser lets it through; the library would throw later with no line.
    if (target === undefined) return { ok: false, offset, message: `alias *${node.source} names no anchor before it: set &${node.source} on a node above it` };
    const added = size(node);
    if (added === Infinity) return { ok: false, offset, message: `alias *${node.source} lies inside the node &${node.source} it names: it would expand without end` };
    total += added;
    if (total > maxNodes) {
      return {
        ok: false,
        offset,
        message: `alias *${node.source} adds ${added} nodes and takes the aliases' expansion past ${maxNodes} nodes (an alias bomb?); anchor what steps repeat, not anchors of anchors`,
      };
    }
  }
  return { ok: true, expandedNodes: total };
}
