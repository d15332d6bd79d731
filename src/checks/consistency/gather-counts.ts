import { KINDS, LAYOUT, PATHS, type Kind, type Path } from '../layout.js';
import type { MinuteTally, Observations, PathKindCounts } from './observations.js';
import type { ConsistencyDatabase, ConsistencyRedis, DuplicateSummary } from './ports.js';
import type { StreamGathering } from './gather-streams.js';
import { ledgerHoles } from './vanished.js';
import { isoOf, minuteLabel, windowMinutes, type SettledWindow } from './window.js';

type CountPart = Pick<Observations, 'ledgerMinutesFound' | 'ledgerHoles' | 'counts' | 'otherMethods' | 'duplicateReadings' | 'duplicateIngestIds'>;

function perPathKind<T>(make: () => T): Record<Path, Record<Kind, T>> {
  return Object.fromEntries(PATHS.map((p) => [p, Object.fromEntries(KINDS.map((k) => [k, make()]))])) as Record<Path, Record<Kind, T>>;
}

/**
 * Rows per path, kind and minute of create_time, next to the ledger's accepted counts for the same
 * minutes (`<method>:<kind>` fields; the `:test` fields are left out, like test devices' rows).
 */
export async function gatherCounts(
  redis: ConsistencyRedis,
  db: ConsistencyDatabase,
  window: SettledWindow,
  streams: Record<Kind, StreamGathering>,
  sampleLimit: number,
): Promise<CountPart> {
  const startIso = isoOf(window.startMs);
  const endIso = isoOf(window.endMs);
  const minutes = windowMinutes(window);
  const ledger = await redis.ledger(minutes);
  const counts = perPathKind<PathKindCounts>(() => ({ accepted: 0, persisted: 0, minutes: [] }));
  const otherMethods: Observations['otherMethods'] = [];
  const duplicateReadings = perPathKind<DuplicateSummary>(() => ({ groups: 0, surplusRows: 0, samples: [] }));
  const duplicateIngestIds = {} as Record<Kind, DuplicateSummary>;
  // Records known to have been accepted, per minute: what a ledger key of that minute must count.
  const evidence = new Map<string, number>();
  const addEvidence = (label: string, records: number) => evidence.set(label, (evidence.get(label) ?? 0) + records);

  for (const kind of KINDS) {
    const layout = LAYOUT[kind];
    const persisted = new Map<string, number>();
    for (const row of await db.countByMinute(layout.table, startIso, endIso)) {
      if ((PATHS as readonly string[]).includes(row.uploadMethod)) persisted.set(`${row.uploadMethod}|${row.minute}`, row.rows);
      else otherMethods.push({ kind, uploadMethod: row.uploadMethod, rows: row.rows });
    }
    for (const path of PATHS) {
      const c = counts[path][kind];
      const stream = path === 'stream_v2' ? streams[kind] : undefined;
      for (const minute of minutes) {
        const label = minuteLabel(minute);
        const tally: MinuteTally = {
          minute: label,
          accepted: ledger.get(minute)?.[`${path}:${kind}`] ?? 0,
          persisted: persisted.get(`${path}|${label}`) ?? 0,
          unsettled: stream?.unsettledByMinute.get(label) ?? 0,
          deadLettered: (path === 'stream_v2' ? streams[kind].deadLetteredByMinute : streams[kind].batchDeadLetteredByMinute).get(label) ?? 0,
        };
        addEvidence(label, tally.persisted + (stream?.entriesByMinute.get(label) ?? 0) + tally.deadLettered);
        c.accepted += tally.accepted;
        c.persisted += tally.persisted;
        if (tally.accepted + tally.persisted + tally.unsettled + tally.deadLettered > 0) c.minutes.push(tally);
      }
      duplicateReadings[path][kind] = await db.duplicateReadings(layout, path, startIso, endIso, sampleLimit);
    }
    duplicateIngestIds[kind] = await db.duplicateIngestIds(layout.table, startIso, endIso, sampleLimit);
  }
  const holes = ledgerHoles(minutes, new Set(ledger.keys()), evidence);
  return { ledgerMinutesFound: ledger.size, ledgerHoles: holes, counts, otherMethods, duplicateReadings, duplicateIngestIds };
}
