/** Small number formatters shared by the views. */
export function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${round(value, 2)}%`;
}

export function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${round(value, 1)}ms`;
}

export function ratioText(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${value} (${round(value * 100, 1)}%)`;
}

export function clockTime(iso: string): string {
  return iso.slice(11, 19);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
