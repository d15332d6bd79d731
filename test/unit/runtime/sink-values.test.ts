import { describe, expect, it } from 'vitest';
import { storedTime } from '../../../src/shared/stored-time.js';
import { uploadToRows } from '../../../src/runtime/records/to-rows.js';
import { COLUMNS, valuesWriter } from '../../../src/runtime/sinks/schema.js';

const ACCEPTED = Date.parse('2026-11-29T20:00:00.250Z');

function written(time?: Parameters<typeof valuesWriter>[1]) {
  const { health } = uploadToRows('health_data', [{ deviceSn: 'W1', heart_rate: 72, timestamp: 1764000000 }, { deviceSn: 'W1', heart_rate: 73 }], { ingestKey: 'k', acceptedAtMs: ACCEPTED, uploadMethod: 'optimized' });
  const write = valuesWriter('health', time);
  const width = COLUMNS.health.length;
  const out: unknown[] = new Array(width * 2);
  health.forEach((row, i) => write(row, out, i * width));
  const column = (name: string) => [out[COLUMNS.health.indexOf(name)], out[width + COLUMNS.health.indexOf(name)]];
  return { column };
}

describe('valuesWriter: the stored time format', () => {
  it('iso-utc (and no format given) binds the rows\' ISO times unchanged, NULL for a missing device time', () => {
    for (const time of [undefined, storedTime('iso-utc')]) {
      const { column } = written(time);
      expect(column('create_time')).toEqual(['2026-11-29T20:00:00.250Z', '2026-11-29T20:00:00.250Z']);
      expect(column('timestamp')).toEqual(['2025-11-24T16:00:00.000Z', null]);
    }
  });

  it('local-datetime binds the original\'s text in the recorded zone; a missing device time becomes the acceptance time', () => {
    const { column } = written(storedTime('local-datetime', 'Asia/Shanghai'));
    expect(column('create_time')).toEqual(['2026-11-30 04:00:00', '2026-11-30 04:00:00']);
    expect(column('timestamp')).toEqual(['2025-11-25 00:00:00', '2026-11-30 04:00:00']);
    expect(column('heart_rate')).toEqual([72, 73]);
    expect(column('ingest_id')).toEqual([expect.stringMatching(/-k:0$/), expect.stringMatching(/-k:1$/)]);
  });
});
