/** `pause: manual`: `continue` once a human approves; `unavailable` when nobody can be asked (no TTY). */
export type ManualGateAnswer = 'continue' | 'unavailable';

/** The gate being waited at: `name` as step-names.ts says it (`gate 2`), `message` the scenario's. */
export interface GateQuestion {
  name: string;
  message: string;
}

export interface ManualGate {
  wait(gate: GateQuestion, signal: AbortSignal): Promise<ManualGateAnswer>;
}

export const noManualGate: ManualGate = { wait: async () => 'unavailable' };
