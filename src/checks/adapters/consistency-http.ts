import { request } from 'undici';
import { UnreachableError, errorMessage } from '../../shared/errors.js';
import { CONSISTENCY_SCHEMA, type ConsistencyDocument } from '../consistency/document.js';
import { consistencyQueryOf } from '../consistency/query.js';
import type { ConsistencyOptions } from '../consistency/run.js';

/**
 * Runs the check inside the service (`GET /api/consistency`), for hosts without database
 * credentials. The service answers the same document; anything else is "could not check".
 */
export async function fetchConsistencyDocument(target: string, options: ConsistencyOptions, token?: string, timeoutMs = 120_000): Promise<ConsistencyDocument> {
  const url = `${target.replace(/\/+$/, '')}/api/consistency?${consistencyQueryOf(options).toString()}`;
  let status: number;
  let text: string;
  try {
    const response = await request(url, {
      method: 'GET',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    throw new UnreachableError(`cannot reach ${target}: ${errorMessage(error)}`, 'check --target (STREAMCTL_TARGET), or pass --database and --redis-url to check directly');
  }
  if (status === 404) throw new UnreachableError(`${target} has no /api/consistency endpoint`, 'it is not `streamctl serve`; pass --database and --redis-url to check directly');
  if (status === 401 || status === 403) throw new UnreachableError(`${target} refused the request (HTTP ${status})`, 'pass the admin token with --token or STREAMCTL_TOKEN');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UnreachableError(`${target} answered HTTP ${status} without JSON`);
  }
  if (typeof doc !== 'object' || doc === null || (doc as { schema?: unknown }).schema !== CONSISTENCY_SCHEMA) {
    throw new UnreachableError(`${target} answered HTTP ${status} without a ${CONSISTENCY_SCHEMA} document`);
  }
  return doc as ConsistencyDocument;
}
