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

export const loadSchema = z.strictObject({
  rate: z.number().positive(),
  duration,
  devices: z.number().int().positive().optional(),
  connections: z.number().int().positive().optional(),
  endpoint: z.string().optional(),
});

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
  webhooks: z.array(webhookSchema).optional(),
  steps: z.array(stepSchema).min(1, 'a scenario needs at least one step'),
});

export type ScenarioInput = z.infer<typeof scenarioSchema>;
export type StepInput = z.infer<typeof stepSchema>;
