import { SAFE_EVICTION_POLICY } from '../../shared/eviction-policy.js';
import type { CheckResult } from './check-result.js';
import type { Observations, PathKindCounts, StreamObservation } from './observations.js';
import { minuteLabel } from './window.js';

/*
 * What "vanished" means. The check compares what Redis remembers (ledger, streams, groups) with
 * the database; a Redis that forgot (eviction under a maxmemory-policy other than noeviction, a
 * FLUSHDB, a DEL, a restart without persistence) makes both sides smaller together, and equal
 * counts would read as "consistent". So the check asks Redis itself, and looks for facts that
 * cannot exist unless something it held is gone:
 *
 * 1. A ledger minute vanished: minute M of the window has no `streamctl:ledger:M` key, yet rows
 *    were created in M (create_time is the acceptance time; either path, any kind) or stream or
 *    dead-letter entries were accepted in M. Serve counts every accepted record into the key of
 *    its acceptance minute within 20 ms (runtime/acceptance-ledger.ts) and the key lives 31 days,
 *    so such a minute lost its key (or its count: a kill -9 within those 20 ms, counts dropped in
 *    a long Redis outage). How many were accepted in M is unknown: inconclusive.
 *    A minute with neither key nor rows nor entries is an idle minute: the ledger writes nothing
 *    when nothing is accepted, so a gap between present minutes is not evidence by itself (a
 *    10-minute lull looks the same, and calling every lull inconclusive would make the check cry
 *    wolf).
 * 2. A stream vanished: the stream key is absent although the window's ledger counted records on
 *    the stream path for its kind, rows of that path and kind exist in the window, or its
 *    dead-letter stream or trim counter exists. Serve creates every stream with its group at
 *    start-up and only trims, never deletes, so an absent stream with such traces was deleted or
 *    evicted, and entries still in flight went with it. Even when the window's counts agree, a
 *    Redis that lost a stream may have lost the ledger minutes of records that left no row
 *    either, which nothing else would show: inconclusive (a count gap still fails).
 *    Without any trace, an absent stream is a deployment that never used it: a warning, as before.
 * 3. A group vanished: the stream exists without its group (judge-streams.ts, consumer_lag):
 *    inconclusive, as is every entry the missing group cannot account for (backlog_settled).
 * 4. Redis evicted keys: INFO's `evicted_keys` above 0 since the server's statistics began means
 *    any of the above may have gone without a trace: inconclusive whatever the policy is now.
 *    A policy other than noeviction is inconclusive too, or only a warning when the caller passed
 *    --allow-eviction: then the verdict says it cannot rule out evicted data.
 */

/**
 * Rule 1. `minutes`: unix minutes of the window; `ledgerMinutes`: those with a key;
 * `evidence`: records (rows, stream entries, dead letters) per minute label. Returns the labels
 * of the minutes with evidence and no key, oldest first.
 */
export function ledgerHoles(minutes: readonly number[], ledgerMinutes: ReadonlySet<number>, evidence: ReadonlyMap<string, number>): string[] {
  return minutes.filter((m) => !ledgerMinutes.has(m) && (evidence.get(minuteLabel(m)) ?? 0) > 0).map(minuteLabel);
}

/**
 * Rule 2. Why an absent stream must have existed, from the window's stream-path counts of its kind
 * and its own traces; undefined when nothing says it ever did (or it is present).
 */
export function streamVanishedBecause(o: StreamObservation, streamPath: Pick<PathKindCounts, 'accepted' | 'persisted'>): string | undefined {
  if (o.length !== null) return undefined;
  if (streamPath.accepted > 0) return `the ledger counts ${streamPath.accepted} stream-path records of the window`;
  if (streamPath.persisted > 0) return `${streamPath.persisted} stream-path rows of the window exist`;
  if (o.deadLetterLength !== null) return `its dead-letter stream ${o.stream}:dlq exists`;
  if (o.trimmed !== null) return `its trim counter streamctl:trimmed:${o.stream} exists`;
  return undefined;
}

/** Rule 4, as the `redis_eviction` check. */
export function judgeEviction(obs: Pick<Observations, 'eviction'>): CheckResult {
  const e = obs.eviction;
  const observed = { maxmemory_policy: e.policy, policy_source: e.source, evicted_keys: e.evictedKeys, allow_eviction: e.allowed };
  const base = { id: 'redis_eviction', observed, threshold: { maxmemory_policy: SAFE_EVICTION_POLICY, evicted_keys: 0 } };
  const policy = e.policy ?? `unknown (${e.unreadable ?? 'no answer'})`;
  if (e.evictedKeys !== null && e.evictedKeys > 0) {
    return {
      ...base,
      status: 'inconclusive',
      message: `Redis evicted ${e.evictedKeys} keys since its statistics began (maxmemory-policy ${policy}): the ledger or streams of the window may be among them, so nothing here rules out lost records (after investigating, CONFIG RESETSTAT clears the count)`,
    };
  }
  if (e.policy === SAFE_EVICTION_POLICY) return { ...base, status: 'ok', message: `maxmemory-policy ${SAFE_EVICTION_POLICY}${e.evictedKeys === 0 ? ', no key evicted' : ''}` };
  if (e.allowed) {
    return { ...base, status: 'warn', message: `maxmemory-policy ${policy} lets Redis evict keys (allowed by --allow-eviction): this verdict cannot rule out accepted records or ledger counts that were evicted` };
  }
  return { ...base, status: 'inconclusive', message: `maxmemory-policy ${policy} lets Redis evict keys, and accepted records or ledger counts with them; set it to ${SAFE_EVICTION_POLICY}` };
}
