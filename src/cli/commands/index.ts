import type { Command } from 'commander';
import { defineServe } from './serve.js';
import { defineCheck } from './check.js';

/** Every verb of the CLI. Each module only declares options; heavy modules load inside the action. */
export const commandDefinitions: Array<(program: Command) => void> = [
  defineServe,
  defineCheck,
];
