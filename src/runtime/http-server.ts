import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errorMessage } from '../shared/errors.js';
import { listDeadLetters, purgeDeadLetters, replayDeadLetters, showDeadLetter } from './admin/dlq-routes.js';
import { acquireLease, getLease, releaseLease } from './admin/lease-routes.js';
import { auditEntries, prometheusMetrics, setChaos, streamCounters, streamHealth, streamMetrics, streamStats } from './admin/monitoring-routes.js';
import { getRatio, setRatio } from './admin/ratio-routes.js';
import { emergencyRollback } from './admin/rollback-route.js';
import { isAuthorized } from './admin/auth.js';
import { clientErrorAnswer } from './http/client-error.js';
import { allowedMethods, routeForMethod } from './http/method-match.js';
import { sendAdminError, sendJson } from './http/respond.js';
import { closeSilentConnections } from './http/silent-connections.js';
import { handleUpload } from './ingest/ingest-route.js';
import type { RuntimeContext } from './runtime-context.js';
import { isRedisClientError, plainRedisError } from '../shared/redis-errors.js';
import { redisDisplay } from './redis-display.js';

type Handler = (rt: RuntimeContext, req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => Promise<void> | void;

interface Route {
  handler: Handler;
  /** State-changing admin endpoints need the admin token when one is configured. */
  admin?: boolean;
  /**
   * Bounded by its own means, not by ADMIN_ANSWER_MS: uploads (the hung-Redis watchdog, the
   * batch-path fallback), the consistency check and dead-letter replays (long scans by design).
   */
  selfBounded?: boolean;
}

/**
 * Every admin answer within 5 s: a handler still waiting on a silent Redis or database then gets
 * a 503 saying so, instead of holding an SRE's terminal or a cron job (the CLI's own bound is 5 s
 * per request too).
 */
const ADMIN_ANSWER_MS = 5_000;

function buildRoutes(rt: RuntimeContext): Map<string, Map<string, Route>> {
  const routes = new Map<string, Map<string, Route>>();
  const add = (method: string, path: string, route: Route) => {
    if (!routes.has(path)) routes.set(path, new Map());
    routes.get(path)!.set(method, route);
  };
  add('POST', '/upload_health_data_v2', { handler: (r, q, s) => handleUpload(r, q, s, 'health_data', 'v2'), selfBounded: true });
  add('POST', '/upload_device_info_v2', { handler: (r, q, s) => handleUpload(r, q, s, 'device_info', 'v2'), selfBounded: true });
  add('POST', '/upload_common_event_v2', { handler: (r, q, s) => handleUpload(r, q, s, 'common_event', 'v2'), selfBounded: true });
  add('POST', '/upload_health_data', { handler: (r, q, s) => handleUpload(r, q, s, 'health_data', 'legacy'), selfBounded: true });
  add('POST', '/upload_device_info', { handler: (r, q, s) => handleUpload(r, q, s, 'device_info', 'legacy'), selfBounded: true });
  add('POST', '/upload_common_event', { handler: (r, q, s) => handleUpload(r, q, s, 'common_event', 'legacy'), selfBounded: true });
  add('GET', '/api/stream_traffic_ratio', { handler: (r, _q, s) => getRatio(r, s) });
  add('POST', '/api/stream_traffic_ratio', { handler: setRatio, admin: true });
  add('GET', '/api/stream_metrics', { handler: (r, _q, s) => streamMetrics(r, s) });
  add('GET', '/api/stream_metrics/counters', { handler: (r, _q, s) => streamCounters(r, s) });
  add('GET', '/api/stream_stats', { handler: (r, _q, s) => streamStats(r, s) });
  add('GET', '/api/stream_health', { handler: (r, _q, s) => streamHealth(r, s) });
  add('POST', '/api/emergency_rollback', { handler: emergencyRollback, admin: true });
  add('GET', '/metrics', { handler: (r, _q, s) => prometheusMetrics(r, s) });
  add('GET', '/api/lease', { handler: (r, _q, s, query) => getLease(r, s, query) });
  add('POST', '/api/lease', { handler: acquireLease, admin: true });
  add('DELETE', '/api/lease', { handler: (r, _q, s, query) => releaseLease(r, s, query), admin: true });
  add('GET', '/api/audit', { handler: (r, _q, s, query) => auditEntries(r, s, query) });
  add('GET', '/api/dlq', { handler: (r, _q, s, query) => listDeadLetters(r, s, query) });
  add('GET', '/api/dlq/entry', { handler: (r, _q, s, query) => showDeadLetter(r, s, query) });
  add('POST', '/api/dlq/replay', { handler: replayDeadLetters, admin: true, selfBounded: true });
  add('POST', '/api/dlq/purge', { handler: purgeDeadLetters, admin: true, selfBounded: true });
  if (rt.consistency) {
    const endpoint = rt.consistency;
    add('GET', '/api/consistency', {
      handler: async (_r, _q, s, query) => {
        const { status, body } = await endpoint.run(query);
        sendJson(s, status, body);
      },
      selfBounded: true,
    });
  }
  // Without --enable-chaos the endpoint does not exist at all, so it cannot be reached by mistake.
  if (rt.options.enableChaos) add('POST', '/api/chaos', { handler: setChaos, admin: true });
  return routes;
}

export function createHttpServer(rt: RuntimeContext): Server {
  const routes = buildRoutes(rt);
  const server = createServer({
    // Slow clients are cut off (slowloris): by default 10 s for headers, 30 s for a whole
    // request, checked every second rather than Node's default 30 s.
    headersTimeout: rt.options.headersTimeoutMs,
    requestTimeout: rt.options.requestTimeoutMs,
    connectionsCheckingInterval: 1_000,
    keepAliveTimeout: rt.options.keepAliveTimeoutMs,
    maxHeaderSize: 16_384,
  }, (req, res) => {
    if (rt.state === 'draining') {
      req.resume();
      res.setHeader('connection', 'close');
      return sendJson(res, 503, { status: 'error', message: 'shutting down; retry on another instance' }, { 'retry-after': '1' });
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const byMethod = routes.get(path);
    const route = byMethod && routeForMethod(byMethod, req.method ?? 'GET');
    if (!route) {
      req.resume();
      if (byMethod) {
        res.setHeader('allow', allowedMethods(byMethod).join(', '));
        return sendAdminError(res, 405, `${req.method} is not allowed on ${path}`);
      }
      return sendAdminError(res, 404, `no endpoint ${path}`);
    }
    if (route.admin && !isAuthorized(req, rt.options.adminToken)) {
      req.resume();
      return sendAdminError(res, 401, 'admin token required: send Authorization: Bearer <token>');
    }
    const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    let result: Promise<void> | void;
    try {
      result = route.handler(rt, req, res, query);
    } catch (error) {
      result = Promise.reject(error);
    }
    if (result && !route.selfBounded) {
      const timer = setTimeout(() => {
        rt.logger.throttled(`deadline-${path}`, 10_000, 'warn', 'admin request not answered in time', { path, ms: ADMIN_ANSWER_MS });
        sendAdminError(res, 503, `no answer within ${ADMIN_ANSWER_MS / 1000} s: Redis or the database is not answering (${req.method} ${path})`);
      }, ADMIN_ANSWER_MS);
      timer.unref();
      void result.finally(() => clearTimeout(timer)).catch(() => undefined);
    }
    if (result) {
      result.catch((error) => {
        rt.logger.throttled(`handler-${path}`, 10_000, 'error', 'request failed', { path, error: errorMessage(error) });
        // A Redis that is away is not our bug: 503 in plain words naming it (redis-errors.ts), not ioredis's text.
        if (!res.headersSent) {
          if (isRedisClientError(error)) sendAdminError(res, 503, plainRedisError(error, redisDisplay(rt.redis)));
          else sendAdminError(res, 500, `internal error: ${errorMessage(error)}`);
        } else {
          res.destroy();
        }
      });
    }
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // Written, then the socket destroyed at once (node's default does the same): after a 408 the
    // rest of the body must never be parsed, or its handler would still act (issue 18, kind 4).
    const answerStarted = Boolean((socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent);
    const answer = socket.writable ? clientErrorAnswer(error.code, answerStarted) : null;
    if (answer !== null) socket.write(answer);
    socket.destroy();
  });
  // A socket that never sends a request is closed after the headers timeout, as a slow request is.
  closeSilentConnections(server, rt.options.headersTimeoutMs);
  return server;
}
