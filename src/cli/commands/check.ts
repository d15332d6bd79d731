import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { MAX_CHECK_WINDOW, parseDuration } from '../../shared/durations.js';
import { StreamctlError, UsageError, errorMessage } from '../../shared/errors.js';
import { ALLOW_EVICTION_FLAG, decideEviction } from '../../shared/eviction-policy.js';
import { chooseConsistencyRedis, readEmbeddedRedisTraces } from '../control/consistency-redis.js';
import { ExitCode } from '../exit-codes.js';
import { jsonDocument } from '../render/snake-json.js';

interface ConsistencyFlags {
  window: string;
  grace: string;
  at?: string;
  database?: string;
  redisUrl?: string;
  target?: string;
  token?: string;
  dataDir: string;
  samples: string;
  json?: boolean;
  strict?: boolean;
  allowEviction?: boolean;
}

const EXAMPLE = `
Judges the settled window [at - grace - window, at - grace) on the server's clock: rows per path
and kind, accepted (ledger) vs persisted, missing and duplicated records by name, duplicate
(device_sn, timestamp) readings, stream length, lag, pending, dead letters, trimmed entries.

Records waiting in serve's batch queue count as in flight (serve is --target, or the one holding
--data-dir). A --grace shorter than serve's flush interval is refused (exit 64): a record accepted
just before the window's end may still be in the queue. The report names the minutes judged.

Exit codes: 0 consistent, 1 inconsistent (lost or duplicated data), 2 could not check
(Redis or database unreachable, table missing), 3 inconclusive (work older than the grace
still pending or undelivered, lag unknown, no ledger, ledger or stream vanished, keys evicted),
64 bad flags, or a Redis whose maxmemory-policy is not noeviction (it may evict the ledger and
streams; ${ALLOW_EVICTION_FLAG} runs anyway and the verdict says it cannot rule that out).
--strict counts warnings as failures: dead letters from the window, duplicate device-info or
event readings, a non-zero trimmed counter, a missing stream, rows of an unknown upload_method.

Examples:
  # cron, every 10 minutes, last hour, JSON to a file; alert on a non-zero exit
  $ streamctl check consistency --database /var/lib/streamctl/streamctl.db \\
      --redis-url redis://127.0.0.1:6379 --window 1h --grace 2m --json >> /var/log/streamctl-consistency.jsonl

  # re-judge a past window, through the service's admin endpoint (no database credentials)
  $ STREAMCTL_TARGET=http://10.0.0.5:5225 streamctl check consistency --at 2024-05-01T12:00:00Z --window 30m
`;

/**
 * With --json, a check that cannot even start (Redis or database unreachable) still prints a
 * could_not_check document, so a cron pipeline into a monitoring system never gets an empty line.
 * Every failure but a usage error (exit 64) ends that way: an error that is not a StreamctlError
 * also exits 2 (cli/main.ts), and exit 2 always comes with its document.
 */
async function consistencyAction(flags: ConsistencyFlags): Promise<void> {
  try {
    await runConsistency(flags);
  } catch (error) {
    const code = error instanceof StreamctlError ? error.exitCode : ExitCode.CouldNotRun;
    if (!flags.json || code !== ExitCode.CouldNotRun) throw error;
    const { couldNotCheckDocument } = await import('../../checks/consistency/document.js');
    const hint = error instanceof StreamctlError ? error.hint : undefined;
    const doc = couldNotCheckDocument({ message: errorMessage(error), ...(hint ? { hint } : {}) }, { strict: flags.strict ?? false, sources: {}, nowMs: Date.now() });
    process.stdout.write(jsonDocument(doc) + '\n');
    throw error;
  }
}

async function runConsistency(flags: ConsistencyFlags): Promise<void> {
  const { runConsistencyCheck } = await import('../../checks/consistency/run.js');
  const { parseAt } = await import('../../checks/consistency/window.js');
  const { renderConsistencyReport } = await import('../render/consistency-report.js');
  const samples = Number(flags.samples);
  if (!Number.isInteger(samples) || samples < 0 || samples > 100) throw new UsageError('--samples must be an integer from 0 to 100');
  const options = {
    windowMs: parseDuration(flags.window, '--window', MAX_CHECK_WINDOW),
    graceMs: parseDuration(flags.grace, '--grace'),
    ...(flags.at ? { atMs: parseAt(flags.at) } : {}),
    strict: flags.strict ?? false,
    sampleLimit: samples,
  };
  const localDb = join(flags.dataDir, 'streamctl.db');
  const database = flags.database ?? (flags.target ? undefined : existsSync(localDb) ? localDb : undefined);
  // serve's batch queue: its flush interval bounds the grace, its records are in flight. Asked of
  // --target, else of the data dir's own serve when its database is the one judged.
  const { serveUrlOf } = await import('../control/serve-url.js');
  const { readServeBatchQueue } = await import('../../checks/adapters/serve-batch-queue.js');
  const { assertGraceCoversFlush } = await import('../../checks/consistency/batch-queue.js');
  const serve = flags.target ?? (flags.database === undefined ? serveUrlOf(flags.dataDir) : undefined);
  const queue = serve ? await readServeBatchQueue(serve, flags.token) : null;
  if (serve && queue) assertGraceCoversFlush(options.graceMs, queue.flushIntervalMs, serve, flags.grace);
  let doc;
  if (database) {
    const redisUrl = chooseConsistencyRedis(flags.redisUrl, readEmbeddedRedisTraces(flags.dataDir));
    const { connectRedisConsistency } = await import('../../checks/adapters/redis-consistency.js');
    const { openConsistencyDatabase } = await import('../../checks/adapters/consistency-endpoint.js');
    const db = await openConsistencyDatabase(database);
    try {
      const redis = await connectRedisConsistency(redisUrl);
      try {
        // Refused before judging: on a Redis that may evict, "consistent" could mean "forgotten".
        const eviction = decideEviction(await redis.eviction(), flags.allowEviction ?? false, redis.description);
        if (eviction.action === 'refuse') throw new UsageError(eviction.message, eviction.hint);
        if (eviction.action === 'warn') process.stderr.write(`streamctl: WARNING: ${eviction.warning}\n`);
        const batchQueue = serve && queue ? { batchQueue: () => readServeBatchQueue(serve, flags.token) } : {};
        doc = await runConsistencyCheck({ redis, database: db, ...batchQueue }, { ...options, allowEviction: flags.allowEviction ?? false });
      } finally {
        await redis.close();
      }
    } finally {
      await db.close();
    }
  } else if (flags.target) {
    const { fetchConsistencyDocument } = await import('../../checks/adapters/consistency-http.js');
    doc = await fetchConsistencyDocument(flags.target, options, flags.token);
  } else {
    throw new UsageError('nothing to check: no database and no target', `pass --database PATH|postgres://... with --redis-url, or --target URL of streamctl serve (no ${localDb} here)`);
  }
  process.stdout.write(flags.json ? jsonDocument(doc) + '\n' : renderConsistencyReport(doc, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }));
  process.exitCode = doc.exit_code;
}

export function defineCheck(program: Command): void {
  const check = program
    .command('check')
    .description('Data checks; see `check consistency`.')
    .addHelpText('after', `
Example:
  $ streamctl check consistency --window 1h --grace 2m --json >> consistency.jsonl

Exit codes (of \`check consistency\`): 0 consistent; 1 inconsistent (a record lost or duplicated);
2 could not check (Redis or the database unreachable); 3 inconclusive; 64 bad flags.`);
  check
    .command('consistency')
    .description('Reconcile accepted against persisted records in a settled window; exit 0/1/2/3 for cron.')
    .option('--window <duration>', 'length of the judged window (whole minutes)', '1h')
    .option('--grace <duration>', 'work younger than this is not judged yet', '2m')
    .option('--at <time>', 'judge the window ending grace before this RFC 3339 time (default: now on the Redis clock)')
    .addOption(new Option('--database <path|url>', 'SQLite file, postgres:// or mysql:// (mariadb://) URL of streamctl serve').env('DATABASE_URL'))
    .addOption(new Option('--redis-url <url>', 'Redis holding the streams and the acceptance ledger').env('REDIS_URL'))
    .addOption(new Option('--target <url>', 'streamctl serve to run the check in (GET /api/consistency), when no database is given').env('STREAMCTL_TARGET'))
    .addOption(new Option('--token <token>', 'admin bearer token for --target').env('STREAMCTL_TOKEN'))
    .option('--data-dir <dir>', 'serve data directory, to find its embedded Redis and SQLite file', '.streamctl')
    .option('--samples <n>', 'named examples per finding', '5')
    .option('--json', 'print one streamctl.consistency/v1 JSON document on stdout and nothing else')
    .option('--strict', 'count warnings as failures (exit 1)')
    .option(ALLOW_EVICTION_FLAG, 'check a Redis whose maxmemory-policy is not noeviction; the verdict then says it cannot rule out evicted data')
    .addHelpText('after', EXAMPLE)
    .action(consistencyAction);
}
