export { ExitCode } from '../shared/exit-code.js';
