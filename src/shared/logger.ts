export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'critical';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  critical(message: string, fields?: LogFields): void;
  /** Logs at most once per `everyMs` for the same key; repeats are counted and reported with the next line. */
  throttled(key: string, everyMs: number, level: LogLevel, message: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, critical: 50 };

export interface LoggerOptions {
  level?: LogLevel;
  json?: boolean;
  write?: (line: string) => void;
  /** Wall time for the log lines; when given (tests), throttling uses it too, else the monotonic clock. */
  now?: () => number;
  /**
   * Words an `error` field the way an operator reads it (serve maps the Redis client's internals,
   * "Stream isn't writeable and enableOfflineQueue options is false", to what they mean).
   */
  describeError?: (error: unknown) => string;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s="]/.test(value) ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value);
}

/** Logs go to stderr so stdout stays for results and `--json` documents. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = options.now ?? Date.now;
  // Throttling measures intervals: on the monotonic clock, so a wall step back does not silence a
  // warning for the length of the step (a test that steers `now` steers both).
  const monotonic = options.now ?? (() => performance.now());
  const lastByKey = new Map<string, { at: number; suppressed: number }>();

  function log(level: LogLevel, message: string, given: LogFields = {}): void {
    if (RANK[level] < threshold) return;
    const fields = options.describeError && given.error !== undefined ? { ...given, error: options.describeError(given.error) } : given;
    const time = new Date(now()).toISOString();
    if (options.json) {
      write(JSON.stringify({ time, level, message, ...fields }));
      return;
    }
    const rest = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(' ');
    write(`${time} ${level.toUpperCase().padEnd(8)} ${message}${rest ? ' ' + rest : ''}`);
  }

  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    critical: (m, f) => log('critical', m, f),
    throttled(key, everyMs, level, message, fields) {
      const at = monotonic();
      const last = lastByKey.get(key);
      if (last && at - last.at < everyMs) {
        last.suppressed++;
        return;
      }
      const suppressed = last?.suppressed ?? 0;
      lastByKey.set(key, { at, suppressed: 0 });
      log(level, message, suppressed > 0 ? { ...fields, repeated: suppressed } : fields);
    },
  };
}

export const silentLogger: Logger = createLogger({ write: () => {} });
