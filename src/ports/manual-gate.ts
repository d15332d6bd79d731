/** `pause: manual`: `continue` once a human approves; `unavailable` when nobody can be asked (no TTY). */
export type ManualGateAnswer = 'continue' | 'unavailable';

export interface ManualGate {
  wait(message: string, signal: AbortSignal): Promise<ManualGateAnswer>;
}

export const noManualGate: ManualGate = { wait: async () => 'unavailable' };
