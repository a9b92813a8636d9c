/** The top of a chart's axis: the smallest 1, 2 or 5 × 10^n at or above the largest value (at least 1). */
export function niceCeiling(max: number): number {
  if (!(max > 1)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) {
    if (step * magnitude >= max) return step * magnitude;
  }
  return 10 * magnitude;
}

/** Indexes of the hours that start a local day (where the chart puts a day label). */
export function dayStarts(hours: string[]): number[] {
  return hours.flatMap((iso, index) => (new Date(iso).getHours() === 0 ? [index] : []));
}
