import { isIP } from 'node:net';
import { UsageError } from './errors.js';

/**
 * One Redis URL, read once, as every connection of the process uses it: the ioredis command and
 * subscriber connections, the consumers' blocking connections on their thread, the lean ingest
 * connection (raw net/tls sockets) and the checks' connection. Parsed with the WHATWG URL parser
 * only; before this, ioredis (legacy url.parse: `[::1]` -> `::1`) and the ingest connection
 * (WHATWG: hostname `[::1]`, which net.connect cannot resolve) read `redis://[::1]:6379` as two
 * different hosts, and serve waited forever for a connection that could never open.
 *
 * Accepted (IANA "redis" and "rediss" URI schemes, as redis-cli and ioredis read them):
 *   redis://[[username][:password]@]host[:port][/db]      rediss:// is the same over TLS
 * Userinfo is percent-decoded (`p%40ss` is the password `p@ss`); a query or a fragment is refused,
 * since no other connection would read it the same way.
 */
export interface RedisEndpoint {
  /** For net.connect / tls.connect: a name, an IPv4 address, or an IPv6 address without brackets (`::1`). */
  host: string;
  /** TCP port, 1-65535; 6379 when the URL names none. */
  port: number;
  /** 4 or 6 for an address literal, 0 (either, as resolution gives) for a name. */
  family: 0 | 4 | 6;
  /** Database number for SELECT, from the path (`/2`); 0 when absent. */
  db: number;
  /** Percent-decoded; undefined when the URL has none (`redis://:secret@host` is password only). */
  username?: string;
  password?: string;
  /** rediss://: TLS, checking the server's certificate against `servername` (a name only: RFC 6066 forbids SNI with an address). */
  tls: boolean;
  servername?: string;
  /** The URL for messages and logs, password shown as `***`: `redis://app:***@[::1]:6380/2`. */
  display: string;
}

/** SELECT takes a 32-bit index; whether it is below the server's `databases` (16 by default) only the server can say. */
const MAX_DB = 2_147_483_647;

function refuse(text: string, why: string): never {
  throw new UsageError(`invalid Redis URL ${redactByShape(text)}: ${why}`, 'expected redis://[user[:password]@]host[:port][/db] or rediss://... ; IPv6 hosts in brackets, e.g. redis://[::1]:6379; percent-encode @ : / in passwords');
}

function decode(text: string, part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return refuse(text, 'the user name or password has a broken %-escape');
  }
}

/**
 * Parses a Redis URL. Throws UsageError (exit 64: wrong whatever the state of the world) naming
 * the URL with its password redacted and what is wrong with it.
 */
export function parseRedisUrl(text: string): RedisEndpoint {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return refuse(text, 'not a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return refuse(text, `the scheme is ${url.protocol.replace(/:$/, '')}, not redis or rediss`);
  if (url.search || url.hash) return refuse(text, 'a query (?...) or fragment (#...) is not understood here');
  // WHATWG keeps brackets around an IPv6 host (`[::1]`); net.connect wants the bare address.
  const host = url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
  if (!host) return refuse(text, 'no host');
  const port = url.port === '' ? 6379 : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return refuse(text, `port ${url.port} is outside 1-65535`);
  const path = url.pathname;
  let db = 0;
  if (path !== '' && path !== '/') {
    const match = /^\/(\d{1,10})$/.exec(path);
    if (!match || Number(match[1]) > MAX_DB) return refuse(text, `the path ${path} is not a database number such as /2`);
    db = Number(match[1]);
  }
  const username = url.username ? decode(text, url.username) : undefined;
  const password = url.password ? decode(text, url.password) : undefined;
  const tls = url.protocol === 'rediss:';
  const ip = isIP(host);
  const family = ip === 4 ? 4 : ip === 6 ? 6 : 0;
  const endpoint: RedisEndpoint = {
    host, port, family, db, tls,
    display: displayOf({ tls, host, port, db, username, password }),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(tls && ip === 0 ? { servername: host } : {}),
  };
  return endpoint;
}

function displayOf(parts: { tls: boolean; host: string; port: number; db: number; username?: string; password?: string }): string {
  const user = parts.username === undefined ? '' : encodeURIComponent(parts.username);
  const userinfo = user || parts.password !== undefined ? `${user}${parts.password !== undefined ? ':***' : ''}@` : '';
  const host = parts.host.includes(':') ? `[${parts.host}]` : parts.host;
  return `${parts.tls ? 'rediss' : 'redis'}://${userinfo}${host}:${parts.port}${parts.db === 0 ? '' : `/${parts.db}`}`;
}

/**
 * The URL with any password replaced by `***`, for a message about a URL that may not even parse.
 * Never throws.
 */
export function redactRedisUrl(text: string): string {
  try {
    return parseRedisUrl(text).display;
  } catch {
    return redactByShape(text);
  }
}

/**
 * Without parsing: everything between the first `:` after `//` and the last `@` is taken for the
 * password, even where a parser would end the authority earlier (an unescaped `/`, `?` or `#` in a
 * password): a message may show too little, never a secret.
 */
function redactByShape(text: string): string {
  const scheme = text.indexOf('//');
  if (scheme < 0) return text.includes('@') ? '<a URL with credentials>' : text;
  const rest = text.slice(scheme + 2);
  const at = rest.lastIndexOf('@');
  if (at < 0) return text;
  const colon = rest.slice(0, at).indexOf(':');
  const shown = colon < 0 ? rest.slice(0, at) : `${rest.slice(0, colon)}:***`;
  return `${text.slice(0, scheme + 2)}${shown}${rest.slice(at)}`;
}

/**
 * The endpoint as ioredis options (host/port/db/credentials/TLS/family); the caller adds its own
 * timeouts and queueing. Plain data: no ioredis import, so checks and the runtime share it.
 */
export function ioredisEndpointOptions(endpoint: RedisEndpoint): {
  host: string; port: number; family: number; db: number; username?: string; password?: string; tls?: { servername?: string };
} {
  return {
    host: endpoint.host,
    port: endpoint.port,
    family: endpoint.family,
    db: endpoint.db,
    ...(endpoint.username !== undefined ? { username: endpoint.username } : {}),
    ...(endpoint.password !== undefined ? { password: endpoint.password } : {}),
    ...(endpoint.tls ? { tls: endpoint.servername ? { servername: endpoint.servername } : {} } : {}),
  };
}

/**
 * Errors Redis answers when this URL can never work as written (credentials, ACL, database
 * number): waiting does not help, so start-up stops at once. Redis docs: AUTH (WRONGPASS,
 * "invalid password"), NOAUTH, NOPERM; SELECT ("DB index is out of range"). A password Redis does
 * not require ("AUTH <password> called without any password configured") is not one: ioredis
 * goes on without it, and so does the ingest connection.
 */
export function isPermanentRedisError(message: string): boolean {
  return /WRONGPASS|NOAUTH|NOPERM|invalid password|invalid username|DB index is out of range|invalid DB index/i.test(message);
}
