import type { StatusDoc } from '../../control/status.js';
import { DEFAULT_SCREEN, statusLines, type Screen } from './status-layout.js';
import { plainStyle, type Style } from './style.js';

/**
 * `status` for people: health, ratio, both paths, backlog per stream, the latest run, recent
 * audit; laid out for `screen` (status-layout.ts), 80 columns and no height limit unless told.
 */
export function renderStatus(doc: StatusDoc, style: Style = plainStyle, screen: Screen = DEFAULT_SCREEN): string {
  return statusLines(doc, screen, style).join('\n');
}
