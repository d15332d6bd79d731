import { describe, expect, it } from 'vitest';
import { classifyEntry, entryFacts, ingestIdsOf } from '../../../src/checks/consistency/entries.js';
import { encodeEntryFields } from '../../../src/runtime/wire-format.js';

function entry(id: string, data: unknown, atMs: number, sn = 'SN-1', uuid = 'u-1') {
  const flat = encodeEntryFields('health_data', JSON.stringify(data), sn, atMs, uuid);
  const fields: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return { id, fields };
}

const context = { pendingIds: new Set<string>(), deadLetteredKeys: new Set<string>(), lastDeliveredId: '2000-0' };

describe('stream entry facts', () => {
  it('counts every element of a list upload and keeps the acceptance time of the timestamp field', () => {
    const facts = entryFacts('health_data_stream', entry('1500-0', [{ deviceSn: 'a' }, { deviceSn: 'a' }, { deviceSn: 'a' }], 1234));
    expect(facts).toEqual({ id: '1500-0', ingestKey: 'u-1', acceptedAtMs: 1234, records: 3, testDevice: false });
    // Row ids lead with the acceptance time (1234 ms = 0x4d2), as the runtime writes them.
    expect(ingestIdsOf(facts)).toEqual(['0000000004d2-u-1:0', '0000000004d2-u-1:1', '0000000004d2-u-1:2']);
  });

  it('reads a dead letter by its original id and stream, and an entry without payload as one record', () => {
    const facts = entryFacts('health_data_stream', { id: '9000-0', fields: { original_id: '1500-3', stream: 'health_data_stream', reason: 'trimmed' } });
    expect(facts).toMatchObject({ id: '1500-3', ingestKey: 'health_data_stream/1500-3', acceptedAtMs: 1500, records: 1 });
  });

  it('marks test devices', () => {
    expect(entryFacts('s', entry('1-0', { deviceSn: 'STREAM_TEST_000' }, 1, 'STREAM_TEST_000')).testDevice).toBe(true);
  });
});

describe('classifyEntry', () => {
  const facts = entryFacts('s', entry('1500-0', [{}, {}], 1500));
  it('persisted when every element has its row, even if the ack is still pending', () => {
    const rows = new Map([['0000000005dc-u-1:0', 1], ['0000000005dc-u-1:1', 1]]);
    expect(classifyEntry(facts, rows, { ...context, pendingIds: new Set(['1500-0']) }).state).toBe('persisted');
  });
  it('pending, dead-lettered, undelivered, then missing, in that order', () => {
    const none = new Map<string, number>();
    expect(classifyEntry(facts, none, { ...context, pendingIds: new Set(['1500-0']) }).state).toBe('pending');
    expect(classifyEntry(facts, none, { ...context, deadLetteredKeys: new Set(['u-1']) }).state).toBe('dead_lettered');
    expect(classifyEntry(facts, none, { ...context, lastDeliveredId: '1499-9' }).state).toBe('undelivered');
    expect(classifyEntry(facts, none, { ...context, lastDeliveredId: null }).state).toBe('undelivered');
    expect(classifyEntry(facts, none, context)).toEqual({ state: 'missing', absentRecords: 2, duplicatedIds: [] });
  });
  it('a half-written upload is missing its absent element, and a doubled ingest id is named', () => {
    expect(classifyEntry(facts, new Map([['0000000005dc-u-1:0', 2]]), context)).toEqual({ state: 'missing', absentRecords: 1, duplicatedIds: ['0000000005dc-u-1:0'] });
  });
});
