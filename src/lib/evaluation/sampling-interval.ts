/** Median spacing of a few timestamps: a series' sampling interval (0 when they are all equal). */
export function samplingInterval(times: readonly number[]): number {
  const deltas = times
    .slice(1)
    .map((t, i) => t - times[i]!)
    .filter((d) => d > 0)
    .sort((a, b) => a - b);
  return deltas[Math.floor(deltas.length / 2)] ?? 0;
}
