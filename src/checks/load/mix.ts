import { UsageError } from '../../shared/errors.js';

export type LoadKind = 'health' | 'device' | 'event';

export interface MixEntry {
  kind: LoadKind;
  path: string;
  weight: number;
}

export const KIND_PATHS: Record<LoadKind, string> = {
  health: '/upload_health_data_v2',
  device: '/upload_device_info_v2',
  event: '/upload_common_event_v2',
};

/** The kind of body an endpoint takes, from its name (the legacy /upload_health_data is health too). */
export function kindOfEndpoint(path: string): LoadKind {
  if (/health/.test(path)) return 'health';
  if (/device/.test(path)) return 'device';
  if (/event/.test(path)) return 'event';
  throw new UsageError(`--endpoint ${path}: cannot tell which upload it takes`, 'use /upload_health_data[_v2], /upload_device_info_v2 or /upload_common_event_v2');
}

/** `health:8,device:1,event:1` -> weighted entries; `--endpoint` alone is one entry of weight 1. */
export function parseMix(text: string | undefined, endpoint: string | undefined): MixEntry[] {
  if (text && endpoint) throw new UsageError('pass --endpoint or --mix, not both');
  if (!text) {
    const path = endpoint ?? KIND_PATHS.health;
    if (!path.startsWith('/')) throw new UsageError(`--endpoint must be a path starting with /, got "${path}"`);
    return [{ kind: kindOfEndpoint(path), path, weight: 1 }];
  }
  const entries = text.split(',').map((part) => {
    const match = /^\s*(health|device|event)\s*:\s*(\d+)\s*$/.exec(part);
    if (!match) throw new UsageError(`--mix "${text}": "${part}" is not kind:weight`, 'e.g. --mix health:8,device:1,event:1');
    const kind = match[1] as LoadKind;
    return { kind, path: KIND_PATHS[kind], weight: Number(match[2]) };
  });
  if (new Set(entries.map((e) => e.kind)).size !== entries.length) throw new UsageError(`--mix "${text}" names a kind twice`);
  if (entries.every((e) => e.weight === 0)) throw new UsageError(`--mix "${text}" has no positive weight`);
  return entries.filter((e) => e.weight > 0);
}

/**
 * Smooth weighted round-robin (as nginx does): deterministic, and every window of sum(weights)
 * requests holds each kind exactly `weight` times, so a short run keeps the mix too.
 */
export function mixPicker(entries: readonly MixEntry[]): () => MixEntry {
  const total = entries.reduce((s, e) => s + e.weight, 0);
  const current = entries.map(() => 0);
  return () => {
    let best = 0;
    for (let i = 0; i < entries.length; i++) {
      current[i]! += entries[i]!.weight;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    return entries[best]!;
  };
}
