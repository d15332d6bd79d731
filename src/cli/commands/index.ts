import type { Command } from 'commander';
import { defineServe } from './serve.js';
import { defineCheck } from './check.js';
import { defineValidate } from './validate.js';
import { defineLoad } from './load.js';
import { defineCutover } from './cutover.js';
import { defineRun } from './run.js';
import { defineScenario } from './scenario.js';
import { defineRollback } from './rollback.js';
import { defineRatio } from './ratio.js';
import { defineStatus } from './status.js';
import { defineWatch } from './watch.js';
import { defineDlq } from './dlq.js';

/** Every verb of the CLI. Each module only declares options; heavy modules load inside the action. */
export const commandDefinitions: Array<(program: Command) => void> = [
  defineServe,
  defineCheck,
  defineValidate,
  defineLoad,
  defineCutover,
  defineRun,
  defineScenario,
  defineRollback,
  defineRatio,
  defineStatus,
  defineWatch,
  defineDlq,
];
