import { describe, expect, it } from 'vitest';
import { contractDifferences, describeAnswer } from '../../helpers/shape-diff.js';

describe('contractDifferences', () => {
  it('finds nothing between answers that differ only in non-contract values', () => {
    const a = { status: 200, json: { status: 'accepted', stream_id: '1-0', message: '数据已加入处理队列' } };
    const b = { status: 200, json: { status: 'accepted', stream_id: '2-0', message: 'Health data accepted' } };
    expect(contractDifferences(a, b)).toEqual([]);
  });

  it('names status, body kind, added, missing, retyped and changed-value keys', () => {
    expect(contractDifferences({ status: 500, json: undefined }, { status: 400, json: { error: 'x' } })).toEqual(['body html→json', 'status 500→400']);
    const original = { status: 200, json: { success: true, old_ratio: true, summary: { stream: { p95: 1 } }, gone: 1 } };
    const ours = { status: 200, json: { success: false, old_ratio: 0.1, summary: { stream: { p95: 1, p99: 2 } } } };
    expect(contractDifferences(original, ours)).toEqual(['+summary.stream.p99', '-gone', 'type old_ratio: boolean→number', 'value success: true→false']);
  });

  it('compares the entries of a name-keyed map as one merged shape', () => {
    const original = { status: 200, json: { consumer_stats: { health_consumer_1: { processed_messages: 1 }, device_consumer_1: { errors: 0 } } } };
    const ours = { status: 200, json: { consumer_stats: { 'host-1:health': { processed_messages: 3, errors: 0, running: true } } } };
    expect(contractDifferences(original, ours)).toEqual(['+consumer_stats.*.running']);
  });

  it('compares list elements by the shape of the first', () => {
    expect(contractDifferences({ status: 200, json: { streams: ['a'] } }, { status: 200, json: { streams: [1] } })).toEqual(['type streams[]: string→number']);
    expect(describeAnswer({ status: 404, json: undefined })).toBe('404 HTML');
  });
});
