import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nearlyEqual } from '../../../src/checks/validate/compare.js';
import { classifySample, type SideOutcome, type StoredRow } from '../../../src/checks/validate/classify.js';
import { generateSample, deviceSerial, uploadBody } from '../../../src/checks/validate/samples.js';
import { buildValidationReport } from '../../../src/checks/validate/report.js';
import { uploadToRows } from '../../../src/runtime/records/to-rows.js';
import { parseUpload } from '../../../src/runtime/ingest/parse-upload.js';

const ok = (answer: string): SideOutcome => ({ result: 'ok', status: 200, answer, latencyMs: 5 });
const sample = generateSample('abc123', 7, Date.parse('2024-05-01T12:00:00Z'));

/** The row the runtime itself would store for the sample, so the comparison is against real mapping. */
function stored(method: 'optimized' | 'stream_v2', patch: Record<string, unknown> = {}): StoredRow {
  const [row] = uploadToRows('health_data', sample.reading, { ingestKey: `${method}-key`, acceptedAtMs: Date.parse('2024-05-01T12:00:01Z'), uploadMethod: method }).health;
  return { ...row!, ...patch } as unknown as StoredRow;
}

describe('validate samples and comparison', () => {
  it('generates spec §2 test devices with the prefix and a unique device time', () => {
    expect(sample.deviceSn).toBe('STREAM_TEST_abc123_007');
    expect(sample.reading).toMatchObject({ heart_rate: 77, blood_oxygen: 97, body_temperature: 37.5, step: 1700 });
    expect(deviceSerial('abc123', 107)).toBe('STREAM_TEST_abc123_007');
    expect(generateSample('abc123', 107, 0).deviceTimeMs).not.toBe(sample.deviceTimeMs);
  });

  it('sends the reading in the original\'s {"data": {...}} body, which serve takes as that reading', () => {
    expect(JSON.parse(uploadBody(sample))).toEqual({ data: sample.reading });
    const verdict = parseUpload('health_data', uploadBody(sample));
    expect(verdict).toMatchObject({ ok: true, upload: { deviceSn: 'STREAM_TEST_abc123_007', records: 1, data: sample.reading } });
  });

  it('compares floats within a relative tolerance, never NaN', () => {
    expect(nearlyEqual(36.5, 36.50000000000001, 1e-6)).toBe(true);
    expect(nearlyEqual(36.5, 36.6, 1e-6)).toBe(false);
    expect(nearlyEqual(NaN, NaN, 1)).toBe(false);
    fc.assert(fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (x) => nearlyEqual(x, x * (1 + 1e-9), 1e-6)));
  });

  it('classifies match, mismatch, not_persisted and the error classes', () => {
    const rows = [stored('optimized'), stored('stream_v2')];
    expect(classifySample(sample, ok('success'), ok('accepted'), rows, 1e-6).class).toBe('match');
    const wrong = classifySample(sample, ok('success'), ok('accepted'), [stored('optimized'), stored('stream_v2', { temperature: 36.5 })], 1e-6);
    expect(wrong).toMatchObject({ class: 'mismatch', differences: [{ column: 'temperature', expected: 37.5, actual: 36.5, side: 'new' }] });
    expect(classifySample(sample, ok('success'), ok('accepted'), [stored('optimized')], 1e-6)).toMatchObject({ class: 'not_persisted', detail: expect.stringContaining('new (stream_v2)') });
    // The ratio routed the legacy request to the stream path: two stream_v2 rows are right.
    expect(classifySample(sample, ok('accepted'), ok('accepted'), [stored('stream_v2'), stored('stream_v2')], 1e-6).class).toBe('match');
    expect(classifySample(sample, { result: 'rejected', status: 500, latencyMs: 1 }, ok('accepted'), rows, 1e-6).class).toBe('error_old');
    expect(classifySample(sample, ok('success'), { result: 'network_error', error: 'ECONNRESET', latencyMs: 1 }, rows, 1e-6).class).toBe('error_new');
    expect(classifySample(sample, ok('success'), { result: 'timeout', latencyMs: 1 }, rows, 1e-6).class).toBe('timeout');
    expect(classifySample(sample, ok('success'), ok('accepted'), [...rows, stored('stream_v2')], 1e-6).class).toBe('mismatch');
  });

  it('exit codes: 1 on any failed sample, 2 when nothing reached the target, 3 with too few samples', () => {
    const base = { target: 't', runId: 'r', startedAtMs: 0, finishedAtMs: 1, rate: 10, durationMs: 1000, tolerance: 1e-6, maxExamples: 5, minSamples: 2 };
    const v = (cls: 'match' | 'mismatch') => ({ index: 0, deviceSn: 's', deviceTime: 't', class: cls, detail: '' });
    expect(buildValidationReport({ ...base, verdicts: [v('match'), v('match')], old: [ok('success')], neu: [ok('accepted')] }).exit_code).toBe(0);
    expect(buildValidationReport({ ...base, verdicts: [v('mismatch')], old: [ok('success')], neu: [ok('accepted')] }).exit_code).toBe(1);
    expect(buildValidationReport({ ...base, verdicts: [v('match')], old: [ok('success')], neu: [ok('accepted')] }).exit_code).toBe(3);
    const down: SideOutcome = { result: 'network_error', error: 'ECONNREFUSED', latencyMs: 0 };
    expect(buildValidationReport({ ...base, verdicts: [v('mismatch')], old: [down], neu: [down] }).exit_code).toBe(2);
  });

  it('at ratio 1 (every legacy upload on the stream path) is a comparison of a path with itself: inconclusive, exit 3', () => {
    const base = { target: 't', runId: 'r', startedAtMs: 0, finishedAtMs: 1, rate: 10, durationMs: 1000, tolerance: 1e-6, maxExamples: 5, minSamples: 2 };
    const v = { index: 0, deviceSn: 's', deviceTime: 't', class: 'match' as const, detail: '' };
    const streamSide: SideOutcome = { ...ok('accepted'), path: 'stream' };
    const report = buildValidationReport({ ...base, verdicts: [v, v, v], old: [streamSide, streamSide, streamSide], neu: [streamSide, streamSide, streamSide] });
    expect(report).toMatchObject({ verdict: 'self_comparison', exit_code: 3, paths: { old: { stream: 3, traditional: 0 }, new: { stream: 3 } } });
    expect(report.message).toContain('set it below 1');
    // The header outranks the answer word; the answer word decides for the original service.
    const mixed = buildValidationReport({ ...base, verdicts: [v, v], old: [{ ...ok('accepted'), path: 'traditional' }, ok('accepted')], neu: [streamSide, streamSide] });
    expect(mixed).toMatchObject({ verdict: 'match', paths: { old: { stream: 1, traditional: 1 } } });
  });
});
