/** Reads a V8 .cpuprofile (from `node --cpu-prof`) into the top functions by self time. Pure. */
import type { ProfileEntry, ProfileSection } from './types.js';

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const at = url.search(/\/(dist|node_modules|src)\//);
  if (at >= 0) return url.slice(at + 1);
  return url.replace(/^file:\/\//, '');
}

/**
 * Self time per function (summed over every node with the same name and location), largest first.
 * Time per sample comes from timeDeltas when present, else the profile's span split evenly.
 * `(idle)` is left out of the total: it is time the process was waiting, not working.
 */
export function topSelfTime(profile: CpuProfile, limit = 15): ProfileSection {
  const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0) {
    const even = (profile.endTime - profile.startTime) / samples.length;
    for (let i = 0; i < samples.length; i++) {
      // timeDeltas[i] is the time before sample i; the time a sample stands for is the next delta.
      const us = deltas.length === samples.length ? Math.max(0, deltas[i + 1] ?? even) : even;
      selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + us);
    }
  } else {
    const total = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
    for (const n of profile.nodes) selfUs.set(n.id, ((n.hitCount ?? 0) / total) * (profile.endTime - profile.startTime));
  }
  const byKey = new Map<string, ProfileEntry>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = nodeById.get(id);
    if (!node) continue;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') continue;
    totalUs += us;
    const location = node.callFrame.url ? `${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}` : shortUrl(node.callFrame.url);
    const key = `${name} ${location}`;
    const entry = byKey.get(key) ?? { function: name, location, self_ms: 0, self_pct: 0 };
    entry.self_ms += us / 1000;
    byKey.set(key, entry);
  }
  const top = [...byKey.values()]
    .sort((a, b) => b.self_ms - a.self_ms)
    .slice(0, limit)
    .map((e) => ({ ...e, self_ms: Math.round(e.self_ms * 10) / 10, self_pct: totalUs === 0 ? 0 : Math.round((e.self_ms * 1000 * 1000) / totalUs) / 10 }));
  return { during: '', total_ms: Math.round(totalUs / 100) / 10, top };
}
