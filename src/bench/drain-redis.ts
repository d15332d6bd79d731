/**
 * Drain set-up and yardstick, straight on Redis with ioredis: fill a stream with entries in the
 * spec's wire format (raw pipelined XADDs), and the raw XREADGROUP COUNT 500 + XACK loop of a second
 * group, with no database behind it.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { ioredisEndpointOptions, parseRedisUrl } from '../shared/redis-url.js';
import { encodeEntryFields, STREAMS } from '../runtime/wire-format.js';

export const HEALTH = STREAMS.health_data;
export const RAW_GROUP = 'bench_raw';

/**
 * The envelope `data` of entry `i`: one reading, flat. It is what serve puts on the stream for a
 * health upload (the body's `data` member), not an HTTP body, so it has no `data` wrapper.
 */
export function drainBody(i: number, acceptedAtMs: number): { data: string; deviceSn: string } {
  const deviceSn = `DRAIN_${String(i % 10_000).padStart(5, '0')}`;
  const data = JSON.stringify({
    deviceSn, timestamp: acceptedAtMs - 1_000 + (i % 1_000), heart_rate: 60 + (i % 40), blood_oxygen: 94 + (i % 6),
    body_temperature: 36.2 + (i % 10) / 10, blood_pressure_systolic: 110 + (i % 20), blood_pressure_diastolic: 70 + (i % 15),
    stress: 20 + (i % 50), step: 1_000 + 37 * i, distance: (i % 500) / 100, calorie: (i % 900) / 10,
    latitude: 31.2304, longitude: 121.4737, altitude: 12.5,
  });
  return { data, deviceSn };
}

/** One command in RESP, the protocol redis-cli --pipe speaks. */
export function respCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

/**
 * Counts replies in a stream of RESP replies to XADD: a bulk string (`$<n>` line, then the id
 * line) or an error (`-...` line). Stream ids hold no CR/LF, so counting lines is enough.
 */
export class XaddReplyCounter {
  replies = 0;
  errors: string[] = [];
  private pending = '';
  private expectBody = false;

  push(chunk: string): void {
    const text = this.pending + chunk;
    let from = 0;
    for (let at = text.indexOf('\r\n', from); at >= 0; at = text.indexOf('\r\n', from)) {
      const line = text.slice(from, at);
      from = at + 2;
      if (this.expectBody) {
        this.expectBody = false;
        this.replies++;
      } else if (line.startsWith('$')) {
        if (line === '$-1') this.replies++;
        else this.expectBody = true;
      } else {
        if (line.startsWith('-') && this.errors.length < 5) this.errors.push(line);
        this.replies++;
      }
    }
    this.pending = text.slice(from);
  }
}

/**
 * Writes `total` entries in the spec's wire format over one raw socket, pipelined in chunks of
 * `chunk` commands with at most `window` unanswered (ioredis' per-command cost would make filling
 * a million entries take minutes). Returns the seconds taken.
 */
export async function fillStream(url: string, total: number, chunk = 1_000, window = 20_000): Promise<number> {
  const { host, port, family } = parseRedisUrl(url);
  const socket = connect({ host, port, family });
  socket.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const counter = new XaddReplyCounter();
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  socket.on('data', (data: string) => {
    counter.push(data);
    wake?.();
  });
  socket.on('error', (error) => {
    failure = error;
    wake?.();
  });
  const until = async (condition: () => boolean) => {
    while (!condition()) {
      if (failure) throw failure;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  };
  try {
    const started = performance.now();
    for (let from = 0; from < total; from += chunk) {
      const to = Math.min(total, from + chunk);
      const now = Date.now();
      let text = '';
      for (let i = from; i < to; i++) {
        const { data, deviceSn } = drainBody(i, now);
        text += respCommand(['XADD', HEALTH.stream, '*', ...encodeEntryFields('health_data', data, deviceSn, now, randomUUID())]);
      }
      socket.write(text);
      await until(() => to - counter.replies <= window);
    }
    await until(() => counter.replies >= total);
    if (counter.errors.length > 0) throw new Error(`XADD failed: ${counter.errors.join('; ')}`);
    return (performance.now() - started) / 1000;
  } finally {
    socket.destroy();
  }
}

/** Creates serve's group and the raw group at the start of the stream (serve keeps an existing group). */
export async function createGroups(url: string): Promise<void> {
  const redis = new Redis(ioredisEndpointOptions(parseRedisUrl(url)));
  try {
    for (const group of [HEALTH.group, RAW_GROUP]) {
      await redis.xgroup('CREATE', HEALTH.stream, group, '0', 'MKSTREAM', 'ENTRIESREAD', 0);
    }
  } finally {
    redis.disconnect();
  }
}

/** XREADGROUP COUNT `count` + XACK until the group has read everything; returns entries and seconds. */
export async function rawDrain(url: string, count = 500): Promise<{ entries: number; seconds: number }> {
  const redis = new Redis(ioredisEndpointOptions(parseRedisUrl(url)));
  try {
    let entries = 0;
    const started = performance.now();
    for (;;) {
      const reply = (await redis.xreadgroup('GROUP', RAW_GROUP, 'raw-1', 'COUNT', count, 'STREAMS', HEALTH.stream, '>')) as Array<[string, Array<[string, string[]]>]> | null;
      const batch = reply?.[0]?.[1] ?? [];
      if (batch.length === 0) break;
      await redis.xack(HEALTH.stream, RAW_GROUP, ...batch.map(([id]) => id));
      entries += batch.length;
    }
    return { entries, seconds: (performance.now() - started) / 1000 };
  } finally {
    redis.disconnect();
  }
}
