/**
 * The differential suite's requests, sent in this order to the original service and to
 * `streamctl serve`. Order matters: ratio changes set up the legacy cases that follow them, and
 * the rollback comes last but one (the original stops its consumers for good on rollback).
 * Legacy health uploads run only at ratio 0 or 1, where the original's random routing is
 * deterministic.
 */
export interface ContractCase {
  id: string;
  method: 'GET' | 'POST';
  path: string;
  /** A string or a Buffer is sent as it is (a Buffer with no Content-Type of its own); anything else as JSON. Absent: no body. */
  body?: unknown;
  /** Defaults to `content-type: application/json` when there is a body. */
  headers?: Record<string, string>;
}

const reading = (sn: string, extra: Record<string, unknown> = {}) => ({ deviceSn: sn, heart_rate: 72, blood_oxygen: 98, body_temperature: 36.6, step: 1200, timestamp: 1764000000, ...extra });

/** What `stream_validation_tool.py`'s generate_test_health_data() sends. */
const validationToolBody = { data: { deviceSn: 'STREAM_TEST_000', heart_rate: 70, blood_oxygen: 95, body_temperature: 36.5, step: 1000, timestamp: 1764000000 } };

export const CONTRACT_CASES: ContractCase[] = [
  { id: 'health-health-check', method: 'GET', path: '/api/stream_health' },
  { id: 'ratio-get-initial', method: 'GET', path: '/api/stream_traffic_ratio' },

  // health data, stream path: the original's bodies
  { id: 'health-v2-single', method: 'POST', path: '/upload_health_data_v2', body: { data: reading('W1') } },
  { id: 'health-v2-list', method: 'POST', path: '/upload_health_data_v2', body: { data: [reading('W1'), reading('W1', { timestamp: 1764000001 }), reading('W1', { timestamp: 1764000002 })] } },
  { id: 'health-v2-guide-example', method: 'POST', path: '/upload_health_data_v2', body: '{"data": {"deviceSn": "TEST001", "heart_rate": 80}}' },
  { id: 'health-v2-validation-tool', method: 'POST', path: '/upload_health_data_v2', body: validationToolBody },
  { id: 'health-v2-serial-in-id', method: 'POST', path: '/upload_health_data_v2', body: { data: { id: 'W2', heart_rate: 70 } } },
  { id: 'health-v2-string-readings', method: 'POST', path: '/upload_health_data_v2', body: { data: reading('W3', { heart_rate: '72', timestamp: '2026-11-01 08:00:00' }) } },
  { id: 'health-v2-extra-members', method: 'POST', path: '/upload_health_data_v2', body: { data: reading('W4'), app_version: '2.1' } },
  // health data, bad bodies
  { id: 'health-v2-empty-body', method: 'POST', path: '/upload_health_data_v2', body: '' },
  { id: 'health-v2-empty-object', method: 'POST', path: '/upload_health_data_v2', body: {} },
  { id: 'health-v2-malformed', method: 'POST', path: '/upload_health_data_v2', body: '{"data": {"deviceSn": ' },
  { id: 'health-v2-flat-body', method: 'POST', path: '/upload_health_data_v2', body: reading('W5') },
  { id: 'health-v2-data-empty-list', method: 'POST', path: '/upload_health_data_v2', body: { data: [] } },
  { id: 'health-v2-data-null', method: 'POST', path: '/upload_health_data_v2', body: { data: null } },
  { id: 'health-v2-data-string', method: 'POST', path: '/upload_health_data_v2', body: { data: 'W1,72' } },
  { id: 'health-v2-top-level-list', method: 'POST', path: '/upload_health_data_v2', body: [reading('W6')] },
  { id: 'health-v2-no-serial', method: 'POST', path: '/upload_health_data_v2', body: { data: { heart_rate: 70 } } },
  { id: 'health-v2-wrong-type', method: 'POST', path: '/upload_health_data_v2', body: { data: reading('W7', { heart_rate: 'fast' }) } },
  { id: 'health-v2-json-string', method: 'POST', path: '/upload_health_data_v2', body: '"hello"' },
  { id: 'health-v2-text-plain', method: 'POST', path: '/upload_health_data_v2', body: JSON.stringify({ data: reading('W8') }), headers: { 'content-type': 'text/plain' } },
  // No Content-Type header at all (a Buffer body: fetch adds none), as some firmware sends.
  { id: 'health-v2-no-content-type', method: 'POST', path: '/upload_health_data_v2', body: Buffer.from(JSON.stringify({ data: reading('W9') })), headers: {} },
  { id: 'health-v2-get', method: 'GET', path: '/upload_health_data_v2' },

  // legacy health endpoint on the batch path (ratio 0)
  { id: 'ratio-set-0', method: 'POST', path: '/api/stream_traffic_ratio', body: { ratio: 0 } },
  { id: 'legacy-batch-single', method: 'POST', path: '/upload_health_data', body: { data: reading('L1') } },
  { id: 'legacy-batch-list', method: 'POST', path: '/upload_health_data', body: { data: [reading('L1', { timestamp: 1764000100 }), reading('L2', { timestamp: 1764000101 }), reading('L3', { timestamp: 1764000102 })] } },
  { id: 'legacy-batch-guide-example', method: 'POST', path: '/upload_health_data', body: '{"data": {"deviceSn": "TEST002", "heart_rate": 80}}' },
  { id: 'legacy-batch-no-serial', method: 'POST', path: '/upload_health_data', body: { data: { heart_rate: 70 } } },
  { id: 'legacy-batch-flat-body', method: 'POST', path: '/upload_health_data', body: reading('L4') },
  { id: 'legacy-batch-empty-object', method: 'POST', path: '/upload_health_data', body: {} },
  { id: 'legacy-batch-malformed', method: 'POST', path: '/upload_health_data', body: '{"data":' },

  // legacy health endpoint on the stream path (ratio 1)
  { id: 'ratio-set-1', method: 'POST', path: '/api/stream_traffic_ratio', body: { ratio: 1 } },
  { id: 'legacy-stream-single', method: 'POST', path: '/upload_health_data', body: { data: reading('S1') } },
  { id: 'legacy-stream-list', method: 'POST', path: '/upload_health_data', body: { data: [reading('S1', { timestamp: 1764000200 }), reading('S2', { timestamp: 1764000201 })] } },
  { id: 'legacy-stream-flat-body', method: 'POST', path: '/upload_health_data', body: reading('S3') },

  // device info and events: flat bodies
  { id: 'device-v2-serial-number', method: 'POST', path: '/upload_device_info_v2', body: { SerialNumber: 'D1', battery: 80, firmware: '1.2.3', timestamp: 1764000000 } },
  { id: 'device-v2-device-sn', method: 'POST', path: '/upload_device_info_v2', body: { deviceSn: 'D2', battery: 81 } },
  { id: 'device-v2-no-serial', method: 'POST', path: '/upload_device_info_v2', body: { battery: 82 } },
  { id: 'device-v2-empty-object', method: 'POST', path: '/upload_device_info_v2', body: {} },
  { id: 'device-v2-malformed', method: 'POST', path: '/upload_device_info_v2', body: '{"SerialNumber"' },
  { id: 'device-v2-list', method: 'POST', path: '/upload_device_info_v2', body: [{ SerialNumber: 'D3' }, { SerialNumber: 'D4' }] },
  { id: 'device-legacy', method: 'POST', path: '/upload_device_info', body: { SerialNumber: 'D5' } },
  { id: 'event-v2-single', method: 'POST', path: '/upload_common_event_v2', body: { deviceSn: 'E1', eventType: 'sos', timestamp: 1764000000 } },
  { id: 'event-v2-id', method: 'POST', path: '/upload_common_event_v2', body: { id: 'E2', eventType: 'fall' } },
  { id: 'event-v2-no-serial', method: 'POST', path: '/upload_common_event_v2', body: { eventType: 'sos' } },
  { id: 'event-v2-empty-object', method: 'POST', path: '/upload_common_event_v2', body: {} },
  { id: 'event-v2-malformed', method: 'POST', path: '/upload_common_event_v2', body: 'not json' },
  { id: 'event-legacy', method: 'POST', path: '/upload_common_event', body: { deviceSn: 'E3', eventType: 'sos' } },

  // the ratio API with good and bad values
  { id: 'ratio-set-half', method: 'POST', path: '/api/stream_traffic_ratio', body: { ratio: 0.5 } },
  { id: 'ratio-get-half', method: 'GET', path: '/api/stream_traffic_ratio' },
  { id: 'ratio-string', method: 'POST', path: '/api/stream_traffic_ratio', body: { ratio: '0.5' } },
  { id: 'ratio-null', method: 'POST', path: '/api/stream_traffic_ratio', body: { ratio: null } },
  { id: 'ratio-above-one', method: 'POST', path: '/api/stream_traffic_ratio', body: { ratio: 1.5 } },
  { id: 'ratio-negative', method: 'POST', path: '/api/stream_traffic_ratio', body: { ratio: -0.1 } },
  { id: 'ratio-missing', method: 'POST', path: '/api/stream_traffic_ratio', body: {} },
  { id: 'ratio-malformed', method: 'POST', path: '/api/stream_traffic_ratio', body: '{"ratio": ' },
  { id: 'ratio-boolean', method: 'POST', path: '/api/stream_traffic_ratio', body: { ratio: true } },
  { id: 'ratio-restore', method: 'POST', path: '/api/stream_traffic_ratio', body: { ratio: 0.3 } },
  { id: 'ratio-get-after-bad-values', method: 'GET', path: '/api/stream_traffic_ratio' },

  // monitoring and the emergency rollback
  { id: 'metrics', method: 'GET', path: '/api/stream_metrics' },
  { id: 'stats', method: 'GET', path: '/api/stream_stats' },
  { id: 'rollback-no-body', method: 'POST', path: '/api/emergency_rollback' },
  { id: 'ratio-get-after-rollback', method: 'GET', path: '/api/stream_traffic_ratio' },
  { id: 'unknown-path', method: 'GET', path: '/api/no_such_endpoint' },
];
