import { systemClock } from '../../adapters/system-clock.js';
import { verifiedRollback } from '../../control/rollback.js';
import type { Clock } from '../../ports/clock.js';
import { ExitCode } from '../../shared/exit-code.js';
import { renderRollback } from '../render/rollback-view.js';
import { clientFor, type ConnectionFlags } from './connection.js';
import { styleFor, type Io } from './io.js';
import { jsonDocument } from '../render/snake-json.js';

export interface RollbackFlags extends ConnectionFlags {
  reason?: string;
  json?: boolean;
}

/**
 * Emergency rollback, verified by reading the ratio back: exit 0 only when it reads 0 for every
 * instance; 2 when it does not read 0, or when only the answering instance holds 0.
 */
export async function rollbackAction(flags: RollbackFlags, io: Io, clock: Clock = systemClock): Promise<number> {
  const client = clientFor(flags);
  try {
    const reason = flags.reason ?? 'streamctl rollback (manual)';
    const result = await verifiedRollback(client, clock, reason);
    if (flags.json) {
      io.out(jsonDocument({ target: client.target, reason, ...result }));
    } else {
      const text = renderRollback(client.target, result, styleFor(io, io.stdoutTTY));
      if (result.verified && !result.localOnly) io.out(text);
      else io.err(text);
    }
    return result.verified && !result.localOnly ? ExitCode.Ok : ExitCode.CouldNotRun;
  } finally {
    await client.close();
  }
}
