import { parseRatio, percent, sameRatio } from '../../control/ratio.js';
import { ExitCode } from '../../shared/exit-code.js';
import { clientFor, type ConnectionFlags } from './connection.js';
import type { Io } from './io.js';
import { jsonDocument } from '../render/snake-json.js';

export interface RatioFlags extends ConnectionFlags {
  json?: boolean;
  reason?: string;
}

export async function showRatioAction(flags: RatioFlags, io: Io): Promise<number> {
  const client = clientFor(flags);
  try {
    const ratio = await client.getRatio();
    io.out(flags.json ? jsonDocument({ target: client.target, ratio }) : `${ratio} (${percent(ratio)} of uploads use the stream path)`);
    return ExitCode.Ok;
  } finally {
    await client.close();
  }
}

/** Validates before anything is sent (NaN, strings, out of [0,1] -> exit 64), then sets and reads back. */
export async function setRatioAction(value: string, flags: RatioFlags, io: Io): Promise<number> {
  const ratio = parseRatio(value, 'ratio');
  const client = clientFor(flags);
  try {
    const change = await client.setRatio(ratio, flags.reason ?? 'streamctl ratio set');
    const readBack = await client.getRatio();
    const verified = sameRatio(readBack, ratio);
    if (flags.json) {
      io.out(jsonDocument({ target: client.target, old: change.oldRatio, requested: ratio, readBack, verified }));
    } else if (verified) {
      io.out(`ratio ${change.oldRatio ?? '?'} -> ${ratio} (${percent(ratio)}), read back ${readBack}`);
    } else {
      io.err(`ratio set to ${ratio} but reads back ${readBack}: something else changed it, or the service did not apply it`);
    }
    return verified ? ExitCode.Ok : ExitCode.CouldNotRun;
  } finally {
    await client.close();
  }
}
