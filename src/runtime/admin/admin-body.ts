import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { canStillAnswer } from '../http/answerable.js';
import { BodyError, checkJsonContentType, readBody } from '../http/read-body.js';

/** Admin bodies are tiny; 16 KiB is generous and keeps a hostile client from costing memory. */
const ADMIN_BODY_LIMIT = 16_384;

export type Parsed<T> = { ok: true; value: T } | { ok: false; status: number; error: string };

function describe(issues: z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') + ': ' : ''}${issue.message}`).join('; ');
}

/**
 * Reads and validates a JSON admin body; an empty body is `{}` so that optional bodies stay optional.
 * Not ok, with nothing to act on, when the request was answered meanwhile (its body came in after
 * the 408 of requestTimeout or after the admin deadline's 503): every state-changing admin handler
 * acts only on an ok result, synchronously, so an error answer never comes with an effect.
 */
export async function parseAdminBody<T>(req: IncomingMessage, res: ServerResponse, schema: z.ZodType<T>): Promise<Parsed<T>> {
  let text: string;
  try {
    checkJsonContentType(req);
    text = await readBody(req, ADMIN_BODY_LIMIT);
  } catch (error) {
    return { ok: false, status: error instanceof BodyError ? error.status : 400, error: (error as Error).message };
  }
  if (!canStillAnswer(req, res)) return { ok: false, status: 408, error: 'the request was already answered (timed out) before its body was in: nothing was changed' };
  let json: unknown = {};
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch (error) {
      return { ok: false, status: 400, error: `malformed JSON: ${(error as Error).message.slice(0, 120)}` };
    }
  }
  const result = schema.safeParse(json);
  return result.success ? { ok: true, value: result.data } : { ok: false, status: 400, error: describe(result.error.issues) };
}
