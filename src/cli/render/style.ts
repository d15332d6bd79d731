/** Colour as data, so render functions stay pure: the CLI passes chalk or the identity. */
export interface Style {
  ok(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
  /** The loudest thing the tool prints: a failed rollback. */
  alarm(text: string): string;
}

const same = (text: string) => text;

export const plainStyle: Style = { ok: same, bad: same, warn: same, dim: same, bold: same, alarm: same };
