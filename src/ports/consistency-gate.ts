/**
 * The consistency check as a gate (design §5). `skipped` means the target cannot run it
 * (the original service answers 404): reported as a warning, never as a pass in disguise.
 */
export type ConsistencyVerdict = 'consistent' | 'inconclusive' | 'inconsistent' | 'error' | 'skipped';

export interface ConsistencyResult {
  verdict: ConsistencyVerdict;
  summary: string;
}

export interface ConsistencyGate {
  run(): Promise<ConsistencyResult>;
}
