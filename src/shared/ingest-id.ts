/**
 * A row's unique ingest id: `<acceptance time in ms, 12 hex digits>-<upload key>:<element index>`.
 * The upload key is the stream entry's uuid (or `<stream>/<entry id>` when it has none); the time
 * prefix makes ids sort by acceptance, so the unique index grows at its end. With bare random
 * uuids every insert lands on a random index page: 18 us per row in SQLite here against 8.
 */
export function ingestId(acceptedAtMs: number, uploadKey: string, index: number): string {
  return `${Math.max(0, Math.trunc(acceptedAtMs)).toString(16).padStart(12, '0')}-${uploadKey}:${index}`;
}
