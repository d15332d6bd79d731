import { z } from 'zod';

/** `5m`, `30s`, `250ms` or a number of seconds; parsed in normalize. */
const duration = z.union([z.string(), z.number().nonnegative()], { error: 'expected a duration such as 30s, 5m, 1h' });
const ratio = z.number({ error: 'expected a number between 0 and 1, e.g. 0.3' }).min(0, 'must be >= 0').max(1, 'must be <= 1 (1.0 = 100 %)');
const count = z.number().int('must be a whole number').nonnegative('must be >= 0');

export const thresholdsSchema = z.strictObject({
  max_error_rate: z.number().nonnegative().optional(),
  max_p95_ms: z.number().positive().nullable().optional(),
  max_p95_ratio: z.number().positive().nullable().optional(),
  min_requests: count.optional(),
});

export const limitsSchema = z.strictObject({
  failure_limit: count.optional(),
  inconclusive_limit: count.optional(),
  consecutive_error_limit: count.optional(),
});

/** The upload endpoints of the service (spec §2): what a step's `load:` may send to. */
export const LOAD_ENDPOINTS = [
  '/upload_health_data', '/upload_health_data_v2',
  '/upload_device_info', '/upload_device_info_v2',
  '/upload_common_event', '/upload_common_event_v2',
] as const;

const wholeNumber = (what: string, max: number) =>
  z.number({ error: `expected ${what}` }).int('must be a whole number').min(1, 'must be at least 1').max(max, `at most ${max}`);

/** A step's background load (`streamctl load` while the step is observed). */
export const loadSchema = z.strictObject({
  rate: z.number({ error: 'expected requests per second, e.g. 200' }).positive('must be more than 0').max(100_000, 'at most 100000 requests per second'),
  duration,
  devices: wholeNumber('a number of device serials, e.g. 100', 1_000_000).optional(),
  connections: wholeNumber('a number of sockets, e.g. 32', 1_024).optional(),
  endpoint: z.enum(LOAD_ENDPOINTS, { error: `expected one of ${LOAD_ENDPOINTS.join(', ')}` }).optional(),
}, { error: 'expected { rate, duration, devices?, connections?, endpoint? }' });

/**
 * One flat object rather than a union, so errors name the field (`steps[2].observe`) instead
 * of "no union member matched"; which kind of step it is gets decided in the rules.
 */
export const stepSchema = z.strictObject({
  name: z.string().optional(),
  ratio: ratio.optional(),
  observe: duration.optional(),
  interval: duration.optional(),
  thresholds: thresholdsSchema.optional(),
  load: loadSchema.optional(),
  pause: z.literal('manual', { error: 'the only pause is `manual`' }).optional(),
  message: z.string().optional(),
  check: z.literal('consistency', { error: 'the only check is `consistency`' }).optional(),
});

export const webhookEvent = z.enum(['start', 'step', 'breach', 'rollback', 'done']);

export const webhookSchema = z.strictObject({
  url: z.string(),
  events: z.array(webhookEvent).nonempty().optional(),
  timeout: duration.optional(),
  retries: count.max(10, 'at most 10').optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

export const scenarioSchema = z.strictObject({
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  target: z.string().optional(),
  precheck: z.boolean().optional(),
  observe: duration.optional(),
  interval: duration.optional(),
  thresholds: thresholdsSchema.optional(),
  limits: limitsSchema.optional(),
  on_breach: z.enum(['rollback', 'hold'], { error: 'expected rollback or hold' }).optional(),
  /** Steps may lower the ratio (move traffic back) without asking; as `--allow-decrease`. */
  allow_decrease: z.boolean({ error: 'expected true or false' }).optional(),
  webhooks: z.array(webhookSchema).optional(),
  steps: z.array(stepSchema).min(1, 'a scenario needs at least one step'),
});

export type ScenarioInput = z.infer<typeof scenarioSchema>;
export type StepInput = z.infer<typeof stepSchema>;
