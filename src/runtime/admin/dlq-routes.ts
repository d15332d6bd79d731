import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { errorMessage } from '../../shared/errors.js';
import { sendAdminError, sendJson } from '../http/respond.js';
import type { RuntimeContext } from '../runtime-context.js';
import { ensureGroup } from '../streams/groups.js';
import { deadLetterStream, RECORD_KINDS, STREAMS, type StreamDefinition } from '../wire-format.js';
import { parseAdminBody } from './admin-body.js';
import { actorOf, remoteOf } from './auth.js';
import { buildReplayFields, describeDeadLetter, isJsonObject, splitDeadLetter, summariseDeadLetter, type DeadLetterEntry } from './dlq-entries.js';
import { isRedisClientError, plainRedisError } from '../../shared/redis-errors.js';
import { redisDisplay } from '../redis-display.js';

/**
 * Dead letters (`<stream>:dlq`): list, show, replay after a fix, purge. Register in http-server.ts:
 *   GET /api/dlq, GET /api/dlq/entry, POST /api/dlq/replay (admin), POST /api/dlq/purge (admin).
 */

type RawEntry = [string, string[]];

const STREAM_NAMES = RECORD_KINDS.map((kind) => STREAMS[kind].stream);
const ID = /^\d{1,20}-\d{1,20}$/;
const PAGE = 200;
/** 500 ids fit well within the 16 KiB admin body cap. */
const MAX_IDS = 500;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A stream by its name, its kind (`health_data`) or its dead-letter name (`health_data_stream:dlq`). */
export function definitionOf(name: string): StreamDefinition | undefined {
  const plain = name.endsWith(':dlq') ? name.slice(0, -4) : name;
  return RECORD_KINDS.map((kind) => STREAMS[kind]).find((d) => d.stream === plain || d.kind === plain);
}

const streamField = z.string().transform((name, ctx) => {
  const definition = definitionOf(name);
  if (!definition) {
    ctx.addIssue({ code: 'custom', message: `unknown stream "${name.slice(0, 80)}": use one of ${STREAM_NAMES.join(', ')}` });
    return z.NEVER;
  }
  return definition;
});
const idField = z.string().regex(ID, 'not a stream id: expected <milliseconds>-<sequence>, e.g. 1764000000000-0');
const idsField = z.array(idField).min(1).max(MAX_IDS).transform((ids) => [...new Set(ids)]);

function forbiddenKey(value: unknown, depth = 0): string | undefined {
  if (depth > 32 || typeof value !== 'object' || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const found = forbiddenKey(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

const patchField = z.unknown().superRefine((value, ctx) => {
  if (!isJsonObject(value)) ctx.addIssue({ code: 'custom', message: 'must be a JSON object, e.g. {"deviceSn":"WATCH_001"}' });
  const key = forbiddenKey(value);
  if (key) ctx.addIssue({ code: 'custom', message: `key "${key}" is not allowed` });
}).transform((value) => value as Record<string, unknown>);

const payloadField = z.unknown().superRefine((value, ctx) => {
  if (value === null) ctx.addIssue({ code: 'custom', message: 'must be the data (an object or a list) or a whole envelope {"data":...}' });
  const key = forbiddenKey(value);
  if (key) ctx.addIssue({ code: 'custom', message: `key "${key}" is not allowed` });
});

function oneSelection(value: { ids?: string[] | undefined; all?: true | undefined }, ctx: z.RefinementCtx): void {
  if ((value.ids === undefined) === (value.all === undefined)) ctx.addIssue({ code: 'custom', message: 'give either "ids" (a list of dead-letter ids) or "all": true' });
}

const replayBody = z.strictObject({
  stream: streamField,
  ids: idsField.optional(),
  all: z.literal(true).optional(),
  patch: patchField.optional(),
  payload: payloadField.optional(),
  reason: z.string().max(500).optional(),
}).superRefine((value, ctx) => {
  oneSelection(value, ctx);
  if (value.payload !== undefined && value.ids?.length !== 1) ctx.addIssue({ code: 'custom', path: ['payload'], message: 'a payload replacement is for exactly one dead letter: give one id in "ids"' });
});

const purgeBody = z.strictObject({
  stream: streamField,
  ids: idsField.optional(),
  all: z.literal(true).optional(),
  reason: z.string({ error: 'required: say why (it goes to the audit log)' }).trim().min(1, 'required: say why (it goes to the audit log)').max(500),
}).superRefine(oneSelection);

const listQuery = z.object({
  stream: streamField.optional(),
  count: z.string().regex(/^\d{1,4}$/, 'a whole number from 1 to 1000').transform(Number).pipe(z.number().int().min(1, 'at least 1').max(1_000, 'at most 1000')).optional(),
  after: idField.optional(),
});

const entryQuery = z.object({ stream: streamField, id: idField });

function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') + ': ' : ''}${issue.message}`).join('; ');
}

function queryObject(query: URLSearchParams, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = query.get(key);
    if (value !== null) out[key] = value;
  }
  return out;
}

async function readEntry(rt: RuntimeContext, key: string, id: string): Promise<string[] | null> {
  const found = (await rt.redis.xrange(key, id, id)) as RawEntry[];
  return found[0]?.[1] ?? null;
}

/** For a record the database refused, the dead letter holds no copy; the acked entry may still be in the stream. */
async function originalFromStream(rt: RuntimeContext, definition: StreamDefinition, entry: DeadLetterEntry): Promise<string[] | null> {
  if (entry.original || !entry.meta.original_id || !ID.test(entry.meta.original_id)) return null;
  return readEntry(rt, definition.stream, entry.meta.original_id);
}

/** `GET /api/dlq`: a summary per stream, or with `?stream=` a page of one stream's dead letters, oldest first. */
export async function listDeadLetters(rt: RuntimeContext, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const parsed = listQuery.safeParse(queryObject(query, ['stream', 'count', 'after']));
  if (!parsed.success) return sendAdminError(res, 400, describeIssues(parsed.error.issues));
  const { stream: definition, count = 50, after } = parsed.data;
  if (!definition) {
    const streams: Record<string, unknown> = {};
    await Promise.all(RECORD_KINDS.map(async (kind) => {
      const dlq = deadLetterStream(STREAMS[kind].stream);
      const [length, first] = await Promise.all([rt.redis.xlen(dlq), rt.redis.xrange(dlq, '-', '+', 'COUNT', 1) as Promise<RawEntry[]>]);
      const oldest = first[0] ? summariseDeadLetter(splitDeadLetter(first[0][0], first[0][1])) : null;
      streams[STREAMS[kind].stream] = { dead_letter_stream: dlq, dead_letters: length, oldest };
    }));
    return sendJson(res, 200, { streams: Object.fromEntries(STREAM_NAMES.map((name) => [name, streams[name]])) });
  }
  const dlq = deadLetterStream(definition.stream);
  const [length, page] = await Promise.all([
    rt.redis.xlen(dlq),
    rt.redis.xrange(dlq, after ? `(${after}` : '-', '+', 'COUNT', count + 1) as Promise<RawEntry[]>,
  ]);
  const shown = page.slice(0, count);
  sendJson(res, 200, {
    stream: definition.stream,
    dead_letter_stream: dlq,
    dead_letters: length,
    entries: shown.map(([id, fields]) => summariseDeadLetter(splitDeadLetter(id, fields))),
    next: page.length > count ? shown[shown.length - 1]![0] : null,
  });
}

/** `GET /api/dlq/entry?stream=&id=`: one dead letter with every field, the parsed envelope and where its original lives. */
export async function showDeadLetter(rt: RuntimeContext, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const parsed = entryQuery.safeParse(queryObject(query, ['stream', 'id']));
  if (!parsed.success) return sendAdminError(res, 400, describeIssues(parsed.error.issues));
  const { stream: definition, id } = parsed.data;
  const dlq = deadLetterStream(definition.stream);
  const fields = await readEntry(rt, dlq, id);
  if (!fields) return sendJson(res, 404, { error: `no dead letter ${id} in ${dlq}`, stream: definition.stream, id });
  const entry = splitDeadLetter(id, fields);
  sendJson(res, 200, describeDeadLetter(definition, entry, await originalFromStream(rt, definition, entry), fields));
}

/** Dead-letter ids to work on: the given ones, or every one present now (later arrivals, replays that fail again included, are left alone). */
async function* selected(rt: RuntimeContext, dlq: string, ids: string[] | undefined): AsyncGenerator<{ id: string; fields: string[] | null }> {
  if (ids) {
    for (const id of ids) yield { id, fields: await readEntry(rt, dlq, id) };
    return;
  }
  const last = (await rt.redis.xrevrange(dlq, '+', '-', 'COUNT', 1)) as RawEntry[];
  if (!last[0]) return;
  const end = last[0][0];
  let from = '-';
  for (;;) {
    const page = (await rt.redis.xrange(dlq, from, end, 'COUNT', PAGE)) as RawEntry[];
    for (const [id, fields] of page) yield { id, fields };
    if (page.length < PAGE) return;
    from = `(${page[page.length - 1]![0]}`;
  }
}

/**
 * XADD to the stream and XDEL from the dead letters in one step, and only while the dead letter
 * is still there: two operators replaying the same entry cannot both re-enqueue it. NOMKSTREAM,
 * as the producer does, so a deleted stream is recreated with its group rather than without it.
 */
const REPLAY_SCRIPT = `
if #redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1]) == 0 then return {0, '', 0} end
local id = redis.call('XADD', KEYS[1], 'NOMKSTREAM', '*', unpack(ARGV, 2))
if not id then return {1, '', 0} end
redis.call('XDEL', KEYS[2], ARGV[1])
return {2, id, redis.call('XLEN', KEYS[2])}`;

type MoveResult = { state: 'gone' } | { state: 'moved'; streamId: string; remaining: number };

async function moveBack(rt: RuntimeContext, definition: StreamDefinition, dlqId: string, fields: string[]): Promise<MoveResult> {
  const dlq = deadLetterStream(definition.stream);
  for (let attempt = 0; attempt < 2; attempt++) {
    const [state, streamId, remaining] = (await rt.redis.eval(REPLAY_SCRIPT, 2, definition.stream, dlq, dlqId, ...fields)) as [number, string, number];
    if (state === 0) return { state: 'gone' };
    if (state === 2) return { state: 'moved', streamId, remaining: Number(remaining) };
    await ensureGroup(rt.redis, definition);
  }
  throw new Error(`stream ${definition.stream} vanished twice while replaying`);
}

function changedKeys(patch: Record<string, unknown> | undefined, replaced: boolean): string {
  const parts: string[] = [];
  if (replaced) parts.push('payload replaced');
  if (patch) parts.push(`patched ${Object.keys(patch).join(',').slice(0, 120)}`);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

/**
 * `POST /api/dlq/replay`: re-enqueue dead letters on their original stream, with the original
 * fields and ingest id, optionally patched or replaced; each success removes its dead letter and is
 * audited. Per-entry failures leave that dead letter where it is and are reported, not thrown.
 */
export async function replayDeadLetters(rt: RuntimeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parsed = await parseAdminBody(req, res, replayBody);
  if (!parsed.ok) return sendAdminError(res, parsed.status, parsed.error);
  const { stream: definition, ids, patch, payload, reason } = parsed.value;
  if (rt.monitors[definition.kind].saturated) {
    return sendJson(res, 503, { error: `${definition.stream} backlog is at its cap; nothing was replayed, retry when it has drained` }, { 'retry-after': '5' });
  }
  const dlq = deadLetterStream(definition.stream);
  const who = actorOf(req);
  const from = remoteOf(req);
  const requeued: Array<{ id: string; original_id: string | null; stream_id: string }> = [];
  const failed: Array<{ id: string; error: string }> = [];
  for await (const { id, fields } of selected(rt, dlq, ids)) {
    if (!fields) {
      failed.push({ id, error: `no dead letter ${id} in ${dlq}` });
      continue;
    }
    try {
      const entry = splitDeadLetter(id, fields);
      const built = buildReplayFields(definition, entry, await originalFromStream(rt, definition, entry), { patch, payload });
      if (!built.ok) {
        failed.push({ id, error: built.error });
        continue;
      }
      const moved = await moveBack(rt, definition, id, built.fields);
      if (moved.state === 'gone') {
        failed.push({ id, error: `dead letter ${id} was removed while replaying (replayed or purged by someone else)` });
        continue;
      }
      requeued.push({ id, original_id: entry.meta.original_id ?? null, stream_id: moved.streamId });
      await rt.audit.record({
        action: 'dlq_replay', old: moved.remaining + 1, new: moved.remaining, who, from,
        reason: `${reason ?? 'replay'}: ${dlq} ${id} -> ${definition.stream} ${moved.streamId}${changedKeys(patch, payload !== undefined)}`,
      }).catch((error) => rt.logger.warn('could not write the audit record of a replay', { id, error: errorMessage(error) }));
    } catch (error) {
      failed.push({ id, error: isRedisClientError(error) ? plainRedisError(error, redisDisplay(rt.redis)) : errorMessage(error) });
    }
  }
  if (requeued.length > 0) rt.logger.info('dead letters replayed', { stream: definition.stream, replayed: requeued.length, failed: failed.length, who });
  sendJson(res, 200, { stream: definition.stream, replayed: requeued.length, failed, requeued });
}

function idList(ids: string[]): string {
  return ids.length <= 10 ? ids.join(',') : `${ids.slice(0, 10).join(',')} and ${ids.length - 10} more`;
}

/** `POST /api/dlq/purge`: drop dead letters for good (given ids, or all of a stream's), with a reason in the audit log. */
export async function purgeDeadLetters(rt: RuntimeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parsed = await parseAdminBody(req, res, purgeBody);
  if (!parsed.ok) return sendAdminError(res, parsed.status, parsed.error);
  const { stream: definition, ids, reason } = parsed.value;
  const dlq = deadLetterStream(definition.stream);
  let purged: number;
  let before: number;
  if (ids) {
    const results = await rt.redis.multi().xlen(dlq).xdel(dlq, ...ids).exec();
    const failedStep = results?.find(([error]) => error);
    if (!results || failedStep) throw failedStep?.[0] ?? new Error('purge transaction discarded');
    before = Number(results[0]![1]);
    purged = Number(results[1]![1]);
  } else {
    // XLEN and DEL in one transaction: the count is exactly what was deleted.
    const results = await rt.redis.multi().xlen(dlq).del(dlq).exec();
    const failedStep = results?.find(([error]) => error);
    if (!results || failedStep) throw failedStep?.[0] ?? new Error('purge transaction discarded');
    before = Number(results[0]![1]);
    purged = before;
  }
  if (purged > 0) {
    // Done is done: a failed audit write is logged, not turned into an error for a purge that happened.
    await rt.audit.record({
      action: 'dlq_purge', old: before, new: before - purged, who: actorOf(req), from: remoteOf(req),
      reason: `${reason}: purged ${purged} from ${dlq} (${ids ? idList(ids) : 'all'})`,
    }).catch((error) => rt.logger.error('could not write the audit record of a purge', { stream: definition.stream, purged, error: errorMessage(error) }));
    rt.logger.warn('dead letters purged', { stream: definition.stream, purged, reason });
  }
  sendJson(res, 200, { stream: definition.stream, purged, dead_letters: before - purged, ...(ids ? { not_found: ids.length - purged } : {}) });
}
