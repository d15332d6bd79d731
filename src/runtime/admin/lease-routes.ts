import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { sendAdminError, sendJson } from '../http/respond.js';
import type { RuntimeContext } from '../runtime-context.js';
import { parseAdminBody } from './admin-body.js';

const NAME = /^[\w.-]{1,64}$/;
const leaseBody = z.object({
  name: z.string().regex(NAME, 'name: letters, digits, ".", "-", "_" (at most 64)'),
  holder: z.string().min(1).max(200),
  // Between a second and a day: a shorter lease cannot be renewed in time, a longer one outlives its holder.
  ttl_ms: z.number().int().min(1_000).max(86_400_000),
});

export async function acquireLease(rt: RuntimeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parsed = await parseAdminBody(req, res, leaseBody);
  if (!parsed.ok) return sendAdminError(res, parsed.status, parsed.error);
  const { name, holder, ttl_ms } = parsed.value;
  const result = await rt.lease.acquire(name, holder, ttl_ms);
  sendJson(res, result.acquired ? 200 : 409, { acquired: result.acquired, name, holder: result.holder, expires_at: result.expires_at, renewed: result.renewed });
}

export async function releaseLease(rt: RuntimeContext, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const name = query.get('name') ?? '';
  const holder = query.get('holder') ?? '';
  if (!NAME.test(name) || holder === '') return sendAdminError(res, 400, 'name and holder query parameters are required');
  const result = await rt.lease.release(name, holder);
  sendJson(res, result.released ? 200 : 409, result);
}

export async function getLease(rt: RuntimeContext, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const name = query.get('name') ?? 'cutover';
  if (!NAME.test(name)) return sendAdminError(res, 400, 'invalid lease name');
  sendJson(res, 200, await rt.lease.get(name));
}
