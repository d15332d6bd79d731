import { KINDS } from '../layout.js';
import type { CheckResult } from './check-result.js';
import type { Observations, PathKindCounts, StreamObservation } from './observations.js';
import { streamVanishedBecause } from './vanished.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function ids(o: StreamObservation): Pick<CheckResult, 'kind' | 'stream'> {
  return { kind: o.kind, stream: o.stream };
}

/** Entries still in the stream, delivered and no longer pending, yet without their rows: lost, by name. */
export function judgeEntriesPersisted(o: StreamObservation): CheckResult {
  const w = o.inWindow;
  const observed = { entries: w.entries, records: w.records, persisted: w.persisted, missing_entries: w.missing.entries, missing_records: w.missing.records };
  const base = { id: 'stream_entries_persisted', ...ids(o), observed, threshold: { missing_records: 0 } };
  if (w.missing.records === 0) return { ...base, status: 'ok', message: `${w.entries} ${w.entries === 1 ? 'entry' : 'entries'} in the window, none lost after delivery` };
  return { ...base, status: 'fail', message: `${plural(w.missing.records, 'record')} delivered and acked but never persisted`, samples: w.missing.samples };
}

/** Work older than the grace that is still pending means a stuck or dead consumer: cannot judge yet. */
export function judgePending(o: StreamObservation, graceMs: number): CheckResult {
  const observed = { pending: o.pendingCount, oldest_idle_ms: o.oldestPendingIdleMs, older_than_grace: o.stalePending.entries, in_window_unpersisted_records: o.inWindow.pending.records };
  const base = { id: 'pending_settled', ...ids(o), observed, threshold: { older_than_grace: 0, grace_ms: graceMs } };
  if (o.pendingTruncated) return { ...base, status: 'inconclusive', message: `the pending list is too long to read whole (${o.pendingCount} entries)` };
  if (o.stalePending.entries === 0) return { ...base, status: 'ok', message: o.pendingCount === 0 ? 'nothing pending' : `${plural(o.pendingCount, 'entry')} pending, all younger than the grace` };
  return { ...base, status: 'inconclusive', message: `${plural(o.stalePending.entries, 'entry')} pending for longer than the grace (oldest idle ${o.oldestPendingIdleMs} ms): a consumer is stuck or dead`, samples: o.stalePending.samples };
}

/** Entries of the window the group has not even delivered yet: the consumers are behind by more than the grace. */
export function judgeBacklog(o: StreamObservation): CheckResult {
  const u = o.inWindow.undelivered;
  const base = { id: 'backlog_settled', ...ids(o), observed: { undelivered_entries: u.entries, undelivered_records: u.records }, threshold: { undelivered_entries: 0 } };
  if (u.entries === 0) return { ...base, status: 'ok', message: 'every entry of the window was delivered' };
  return { ...base, status: 'inconclusive', message: `${plural(u.entries, 'entry')} of the window not yet delivered to ${o.group}`, samples: u.samples };
}

/**
 * An absent stream with traces of use vanished (vanished.ts, rule 2): what it held in flight is
 * unknown. `streamPath`: the window's stream-path counts (ledger, rows) of this stream's kind.
 */
export function judgeLag(o: StreamObservation, streamPath: Pick<PathKindCounts, 'accepted' | 'persisted'>): CheckResult {
  const observed = { length: o.length, lag: o.groupInfo?.lag ?? null, last_delivered_id: o.groupInfo?.lastDeliveredId ?? null };
  const base = { id: 'consumer_lag', ...ids(o), observed, threshold: { lag: 'known' } };
  const vanished = streamVanishedBecause(o, streamPath);
  if (vanished) return { ...base, status: 'inconclusive', message: `stream ${o.stream} is gone although ${vanished} (evicted or deleted?): entries it held in flight cannot be accounted for` };
  if (o.length === null) return { ...base, status: 'warn', message: `stream ${o.stream} does not exist` };
  if (o.groupInfo === null) return { ...base, status: 'inconclusive', message: `consumer group ${o.group} does not exist on ${o.stream}` };
  if (o.groupInfo.lag === null) return { ...base, status: 'inconclusive', message: `Redis cannot tell the lag of ${o.group} (entries deleted inside the stream?)` };
  return { ...base, status: 'ok', message: `lag ${o.groupInfo.lag}, length ${o.length}` };
}

/** A dead letter is kept and reported, not lost; it still is not in the database, so it warns. */
export function judgeDeadLetters(o: StreamObservation): CheckResult {
  // Both paths' dead letters share `<stream>:dlq`; each is reported here, whichever path took the record.
  const batch = o.inWindow.batchDeadLettered;
  const d = batch ? { records: o.inWindow.deadLettered.records + batch.records, samples: [...o.inWindow.deadLettered.samples, ...batch.samples] } : o.inWindow.deadLettered;
  const base = { id: 'dead_letters', ...ids(o), observed: { in_window_records: d.records, dead_letter_stream_length: o.deadLetterLength }, threshold: { in_window_records: 0 } };
  if (d.records === 0) return { ...base, status: 'ok', message: `no dead letters from the window (${o.deadLetterLength ?? 0} in ${o.stream}:dlq overall)` };
  return { ...base, status: 'warn', message: `${plural(d.records, 'record')} of the window dead-lettered in ${o.stream}:dlq`, samples: d.samples };
}

/**
 * The trimmed counter is cumulative, not per window: above 0 it warns for good. A trim inside
 * the window also shows as a gap in accepted_vs_persisted, which fails.
 */
export function judgeTrimmed(o: StreamObservation): CheckResult {
  const base = { id: 'trimmed_before_consumption', ...ids(o), observed: { trimmed: o.trimmed }, threshold: { trimmed: 0 } };
  if (o.trimmed === null || o.trimmed === 0) return { ...base, status: 'ok', message: o.trimmed === null ? 'no trimming counter on this deployment' : 'no entry lost to trimming' };
  return { ...base, status: 'warn', message: `${plural(o.trimmed, 'entry')} trimmed before consumption since the counter started (streamctl:trimmed:${o.stream})` };
}

export function judgeScan(o: StreamObservation): CheckResult {
  const base = { id: 'stream_scan_complete', ...ids(o), observed: { truncated: o.inWindow.scanTruncated }, threshold: { truncated: false } };
  if (!o.inWindow.scanTruncated) return { ...base, status: 'ok', message: 'every entry of the window was read' };
  return { ...base, status: 'inconclusive', message: 'too many entries in the window to reconcile one by one; shorten --window' };
}

export function judgeStreams(obs: Observations): CheckResult[] {
  const checks: CheckResult[] = [];
  for (const kind of KINDS) {
    const o = obs.streams[kind];
    checks.push(judgeEntriesPersisted(o), judgePending(o, obs.window.graceMs), judgeBacklog(o), judgeLag(o, obs.counts.stream_v2[kind]), judgeDeadLetters(o), judgeTrimmed(o), judgeScan(o));
  }
  return checks;
}
