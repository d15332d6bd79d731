import type { RunRecord } from '../../control/records.js';
import { resumePoint } from '../../control/reentry.js';
import type { RunState } from '../../control/state.js';
import { stepName } from '../../control/step-names.js';
import { summariseSteps } from '../../control/step-summary.js';
import type { TrafficControl } from '../../ports/traffic-control.js';
import type { ResumePreview } from '../render/resume-view.js';

/**
 * Where `--resume` will go on, for its prompt and `--dry-run`: the ratio read now (a GET, which
 * changes nothing; the journal's last recorded ratio when the service does not answer), judged as
 * the engine will judge it when it resumes (reentry.ts). null when the run has a decided ending
 * to carry out instead (finish.ts), or no ratio is known at all.
 */
export async function previewResume(runId: string, state: RunState, records: RunRecord[], traffic: Pick<TrafficControl, 'getRatio'>): Promise<ResumePreview | null> {
  if (state.unfinishedEnd) return null;
  let ratio: number | null = null;
  let live = true;
  try {
    ratio = await traffic.getRatio();
  } catch {
    ratio = state.expectedRatio;
    live = false;
  }
  if (ratio === null) return null;
  const passed = summariseSteps(state.plan, records).filter((row) => row.verdict === 'passed').map((row) => stepName(state.plan, row.index));
  return { runId, plan: state.plan, ratio, live, point: resumePoint(state, ratio), passed };
}
