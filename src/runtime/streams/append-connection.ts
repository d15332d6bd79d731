import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { UnreachableError } from '../../shared/errors.js';
import { isPermanentRedisError, type RedisEndpoint } from '../../shared/redis-url.js';
import { encodeCommand, ReplyReader, type Reply } from './resp.js';

interface Waiter {
  resolve(value: string | number | null): void;
  reject(error: Error): void;
}

export class RedisReplyError extends Error {
  override name = 'RedisReplyError';
}

/** Reconnect back-off, as the other connections: quick at first, at most 2 s apart. */
const backoff = (attempt: number) => Math.min(100 * attempt, 2_000);

/**
 * How long open() waits. It is called once the command connection answered on the same endpoint,
 * so the server is up: 10 s without a connection is a fault of this connection, never a slow start.
 */
export const APPEND_OPEN_MS = 10_000;

/** Redis answers this to AUTH when it has no password; ioredis warns and goes on, and so does this. */
const NO_PASSWORD_CONFIGURED = /without any password configured|no password is set/i;

/**
 * A lean pipelined connection for the ingest hot path. Every command issued during one turn of
 * the event loop goes out in a single write; replies resolve in order. A general client costs
 * about 23 us of CPU per XADD here against 7 us for this, and the XADD is most of what an upload
 * costs beyond parsing it. While disconnected, commands fail at once so the caller can fall
 * back; it reconnects by itself.
 */
export class AppendConnection {
  private socket: Socket | undefined;
  private connected = false;
  private closed = false;
  private attempt = 0;
  private readonly reader = new ReplyReader();
  private readonly waiting: Waiter[] = [];
  private outgoing = '';
  private outgoingWaiters: Waiter[] = [];
  private flushScheduled = false;
  private readyWaiters: Array<{ resolve(): void; reject(error: Error): void }> = [];
  /** Why the last attempt failed (socket error or handshake reply), for open()'s error. */
  private lastError: string | undefined;

  /** `endpoint`: the one parsed Redis URL of the process (shared/redis-url.ts), as every other connection. */
  constructor(private readonly endpoint: RedisEndpoint, private readonly onStateChange: (connected: boolean) => void = () => undefined) {}

  get isConnected(): boolean {
    return this.connected;
  }

  /**
   * Resolves once connected (and authenticated). Rejects with UnreachableError naming the URL
   * (password as ***) when Redis refuses the credentials or database, or after `timeoutMs` without
   * a connection; it keeps trying in the background until close() either way.
   */
  open(timeoutMs = APPEND_OPEN_MS): Promise<void> {
    this.dial();
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => { clearTimeout(timer); resolve(); },
        reject: (error: Error) => { clearTimeout(timer); reject(error); },
      };
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        reject(new UnreachableError(
          `the ingest connection to Redis at ${this.endpoint.display} did not open within ${timeoutMs / 1_000} s${this.lastError ? `: ${this.lastError}` : ''}`,
          'check the host and port in --redis-url (REDIS_URL)',
        ));
      }, timeoutMs);
      this.readyWaiters.push(waiter);
    });
  }

  send(args: readonly string[]): Promise<string | number | null> {
    if (!this.connected) return Promise.reject(new Error('Redis connection (ingest) is not open'));
    return new Promise((resolve, reject) => {
      this.outgoing += encodeCommand(args);
      this.outgoingWaiters.push({ resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Drops the socket (failing what waits) and dials again: for a server that stopped answering. */
  reconnect(): void {
    this.socket?.destroy();
  }

  close(): void {
    this.closed = true;
    this.connected = false;
    this.socket?.destroy();
    this.fail(new Error('Redis connection (ingest) closed'));
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outgoing === '') return;
    const text = this.outgoing;
    const waiters = this.outgoingWaiters;
    this.outgoing = '';
    this.outgoingWaiters = [];
    if (!this.connected || !this.socket) {
      for (const waiter of waiters) waiter.reject(new Error('Redis connection (ingest) is not open'));
      return;
    }
    for (const waiter of waiters) this.waiting.push(waiter);
    this.socket.write(text);
  }

  private dial(): void {
    if (this.closed || this.socket) return;
    // Host (an IPv6 address without brackets), port, family and TLS exactly as ioredis gets them.
    const { host, port, family, tls, servername } = this.endpoint;
    // (tls.connect takes no family: an address literal needs no lookup, a name resolves either way.)
    const socket: Socket = tls ? connectTls({ host, port, ...(servername ? { servername } : {}) }) : connect({ host, port, family });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on(tls ? 'secureConnect' : 'connect', () => void this.handshake(socket));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => {
      this.lastError = error.message;
    });
    socket.on('close', () => {
      const wasConnected = this.connected;
      this.connected = false;
      this.socket = undefined;
      this.reader.reset();
      this.fail(new Error('Redis connection (ingest) lost'));
      if (wasConnected) this.onStateChange(false);
      if (!this.closed) setTimeout(() => this.dial(), backoff(++this.attempt)).unref();
    });
  }

  /** AUTH and SELECT from the URL go first, written directly: nothing else may overtake them. */
  private async handshake(socket: Socket): Promise<void> {
    const { username, password, db } = this.endpoint;
    const steps: string[][] = [];
    // ioredis sends AUTH with a user name only when there is a password; so does this.
    if (password !== undefined) steps.push(username ? ['AUTH', username, password] : ['AUTH', password]);
    if (db !== 0) steps.push(['SELECT', String(db)]);
    for (const step of steps) {
      try {
        await new Promise<void>((resolve, reject) => {
          this.waiting.push({ resolve: () => resolve(), reject });
          socket.write(encodeCommand(step));
        });
      } catch (error) {
        const message = (error as Error).message;
        if (step[0] === 'AUTH' && NO_PASSWORD_CONFIGURED.test(message)) continue;
        this.lastError = `${step[0]}: ${message}`;
        socket.destroy();
        if (isPermanentRedisError(message)) {
          const refused = new UnreachableError(`Redis at ${this.endpoint.display} refused the ingest connection: ${message}`, 'check the user name, password and database number in --redis-url (REDIS_URL)');
          for (const waiter of this.readyWaiters.splice(0)) waiter.reject(refused);
        }
        return;
      }
    }
    this.connected = true;
    this.attempt = 0;
    this.lastError = undefined;
    this.onStateChange(true);
    for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
  }

  private onData(chunk: Buffer): void {
    this.reader.feed(chunk);
    let reply: Reply | undefined;
    try {
      while ((reply = this.reader.next()) !== undefined) {
        const waiter = this.waiting.shift();
        if (!waiter) continue;
        if (reply.ok) waiter.resolve(reply.value);
        else waiter.reject(new RedisReplyError(reply.error));
      }
    } catch (error) {
      // A reply that cannot be read leaves every later one misaligned: start over.
      this.socket?.destroy(error as Error);
    }
  }

  private fail(error: Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    for (const waiter of this.outgoingWaiters.splice(0)) waiter.reject(error);
    this.outgoing = '';
  }
}
