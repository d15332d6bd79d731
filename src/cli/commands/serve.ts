import { Command, Option } from 'commander';
import { UsageError, errorMessage } from '../../shared/errors.js';
import { ExitCode } from '../exit-codes.js';
import { onInterrupt } from '../interrupts.js';
import { choiceOption, durationOption, integerOption, ratioOption } from '../option-parsers.js';

const EXAMPLE = `
Examples:
  # embedded Redis and SQLite under .streamctl/, on 127.0.0.1:5225
  $ streamctl serve

  # an existing Redis and PostgreSQL, sticky routing by device, 4 consumers per stream
  $ streamctl serve --redis-url redis://10.0.0.5:6379 --database postgres://app@db/telemetry \\
      --routing device --consumers 4 --host 0.0.0.0 --admin-token "$STREAMCTL_ADMIN_TOKEN"

  # rehearse a rollback: inject stream errors on demand
  $ streamctl serve --enable-chaos
  $ curl -XPOST localhost:5225/api/chaos -H 'content-type: application/json' -d '{"stream_error_rate":0.2}'

Stops cleanly on SIGTERM, SIGHUP or Ctrl-C, also when its output pipe is gone: stops accepting,
flushes (or spills) the batch queue, finishes in-flight batches and stops the embedded Redis. A
second signal exits at once. One serve per --data-dir: a second one exits 2 naming the first.

Exit codes: 0 stopped cleanly (everything accepted stored or spilled); 2 could not run (Redis or
the database unreachable, the data dir in use, records neither stored nor spilled at shutdown);
64 bad flags or configuration (a URL that does not parse, an evicting Redis without
--allow-eviction, a database it cannot adopt, --no-migrate with the schema incomplete).`;

interface ServeFlags {
  port: number;
  host: string;
  redisUrl?: string;
  database?: string;
  dataDir: string;
  ratio?: number;
  routing: 'random' | 'device';
  consumers: number;
  consumerBatch: number;
  batchSize: number;
  flushInterval: number;
  claimIdle: number;
  maxDeliveries: number;
  metricsWindow: number;
  maxBacklog?: number;
  maxBody: number;
  adminToken?: string;
  insecure: boolean;
  enableChaos: boolean;
  shutdownTimeout: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  allowEviction: boolean;
  migrate: boolean;
}

export function defineServe(program: Command): void {
  program
    .command('serve')
    .description('run the ingest service: HTTP uploads -> Redis Streams (or the batch path) -> database')
    .addOption(new Option('--port <port>', 'HTTP port').default(5225).argParser(integerOption(0, 65_535)))
    .addOption(new Option('--host <address>', 'address to bind; non-loopback needs --admin-token or --insecure').default('127.0.0.1'))
    .addOption(new Option('--redis-url <url>', 'use this Redis instead of starting an embedded redis-server').env('REDIS_URL'))
    .addOption(new Option('--database <path|url>', 'SQLite file, postgres:// or mysql:// (mariadb://) URL (default <data-dir>/streamctl.db)').env('DATABASE_URL'))
    .addOption(new Option('--data-dir <dir>', 'where the embedded Redis and SQLite live').default('.streamctl'))
    .addOption(new Option('--ratio <r>', 'set the shared traffic ratio at start (default: keep the stored one, 0.1 on first start)').argParser(ratioOption))
    .addOption(new Option('--routing <mode>', 'legacy endpoint routing: random per request, or sticky per device').default('random').argParser(choiceOption(['random', 'device'] as const)))
    .addOption(new Option('--consumers <n>', 'consumers per stream in this process').default(1).argParser(integerOption(1, 64)))
    .addOption(new Option('--consumer-batch <n>', 'entries per XREADGROUP').default(200).argParser(integerOption(1, 10_000)))
    .addOption(new Option('--batch-size <n>', 'batch path: flush at this many records').default(100).argParser(integerOption(1, 100_000)))
    .addOption(new Option('--flush-interval <duration>', 'batch path: flush at least this often').default(1_000, '1s').argParser(durationOption))
    .addOption(new Option('--claim-idle <duration>', 'reclaim entries pending this long from dead consumers').default(30_000, '30s').argParser(durationOption))
    .addOption(new Option('--max-deliveries <n>', 'deliveries before a record that cannot be persisted is dead-lettered').default(5).argParser(integerOption(1, 1_000)))
    .addOption(new Option('--max-backlog <n>', "refuse uploads (503) once a stream's unconsumed backlog reaches 90% of this (default: the spec's MAXLEN)").argParser(integerOption(10, 100_000_000)))
    .addOption(new Option('--metrics-window <duration>', 'sliding window of /api/stream_metrics').default(60_000, '60s').argParser(durationOption))
    .addOption(new Option('--max-body <bytes>', 'largest upload body accepted').default(1_048_576).argParser(integerOption(1_024, 64 * 1_048_576)))
    .addOption(new Option('--admin-token <token>', 'require this bearer token on state-changing admin endpoints').env('STREAMCTL_ADMIN_TOKEN'))
    .addOption(new Option('--insecure', 'allow a non-loopback bind without an admin token').default(false))
    .addOption(new Option('--enable-chaos', 'add POST /api/chaos for rollback rehearsals').default(false))
    .addOption(new Option('--shutdown-timeout <duration>', 'longest graceful drain on SIGTERM').default(15_000, '15s').argParser(durationOption))
    .addOption(new Option('--log-level <level>', 'debug, info, warn or error').default('info').argParser(choiceOption(['debug', 'info', 'warn', 'error'] as const)))
    .addOption(new Option('--no-migrate', 'never change the database schema: refuse to start, listing what is missing, instead of adding it'))
    .addOption(new Option('--allow-eviction', "run on a Redis whose maxmemory-policy is not noeviction (accepted uploads and the ledger may vanish)").default(false))
    .addHelpText('after', EXAMPLE)
    .action(async (flags: ServeFlags) => {
      if (flags.metricsWindow % 1_000 !== 0 || flags.metricsWindow < 1_000) {
        throw new UsageError('--metrics-window must be a whole number of seconds, e.g. 60s');
      }
      const { startService } = await import('../../runtime/service.js');
      const { consistencyEndpoint } = await import('../../runtime/admin/consistency-wiring.js');
      // Listening for SIGTERM, SIGINT and SIGHUP before anything starts: a signal during start-up
      // (a supervisor's quick restart) drains once the service is up instead of killing it with
      // an embedded Redis and a half-taken data-dir lock left behind.
      let signals = 0;
      let onSignal: ((signal: string) => void) | undefined;
      let early: string | undefined;
      const stopListening = onInterrupt((signal) => {
        signals++;
        if (signals > 1) {
          process.stderr.write(`streamctl: second ${signal}, exiting now; pending stream entries stay in Redis\n`);
          process.exit(ExitCode.Interrupted);
        }
        if (onSignal) onSignal(signal);
        else {
          early = signal;
          process.stderr.write(`streamctl: ${signal} received during start-up; stopping as soon as the service is up\n`);
        }
      });
      let service: Awaited<ReturnType<typeof startService>>;
      try {
        service = await startService(
          {
            port: flags.port, host: flags.host, redisUrl: flags.redisUrl, database: flags.database, dataDir: flags.dataDir,
            ratio: flags.ratio, routing: flags.routing, consumers: flags.consumers, consumerBatch: flags.consumerBatch,
            batchSize: flags.batchSize, flushIntervalMs: flags.flushInterval, claimIdleMs: flags.claimIdle,
            maxDeliveries: flags.maxDeliveries, maxBacklog: flags.maxBacklog, metricsWindowMs: flags.metricsWindow, maxBodyBytes: flags.maxBody,
            adminToken: flags.adminToken, insecure: flags.insecure, enableChaos: flags.enableChaos,
            shutdownTimeoutMs: flags.shutdownTimeout, logLevel: flags.logLevel, allowEviction: flags.allowEviction, noMigrate: flags.migrate === false,
          },
          { consistency: consistencyEndpoint },
        );
      } catch (error) {
        stopListening();
        throw error;
      }
      process.stdout.write(`streamctl serve listening on ${service.url} (Ctrl-C to stop)\n`);
      // Output closed under serve (`serve 2>&1 | tee` and tee gone) changes nothing: it keeps
      // serving, and drains on a signal as without a pipe (main.ts keeps a failed write harmless).
      const code = await new Promise<number>((resolve) => {
        onSignal = (signal) => {
          process.stderr.write(`streamctl: ${signal} received, draining (send again to exit at once)\n`);
          service.close().then(
            ({ unflushed }) => resolve(unflushed > 0 ? ExitCode.CouldNotRun : ExitCode.Ok),
            (error) => {
              // Never hang after a failed drain: say so, and exit 2.
              process.stderr.write(`streamctl: the drain failed: ${errorMessage(error)}\n`);
              resolve(ExitCode.CouldNotRun);
            },
          );
        };
        if (early) onSignal(early);
      });
      process.exitCode = code;
    });
}
