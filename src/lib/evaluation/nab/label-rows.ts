import { probationLength } from './profiles.js';
import type { RowLabels, Windows } from './types.js';

/**
 * Map labelled windows onto row indices. A window spans the first row at or after its start to
 * the last row at or before its end (NAB's windows fall exactly on rows; this also tolerates
 * windows that do not). Windows that cover no row are dropped.
 */
export function labelRows(times: readonly number[], windows: Windows): RowLabels {
  const n = times.length;
  const windowOf = new Int32Array(n).fill(-1);
  const prevWindowOf = new Int32Array(n).fill(-1);
  const windowRows: [number, number][] = [];
  let row = 0;
  for (const [start, end] of [...windows].sort((a, b) => a[0] - b[0])) {
    while (row < n && times[row]! < start) row++;
    const first = row;
    while (row < n && times[row]! <= end) row++;
    if (row > first) windowRows.push([first, row - 1]);
  }
  windowRows.forEach(([first, last], w) => windowOf.fill(w, first, last + 1));
  let prev = -1;
  for (let i = 0; i < n; i++) {
    prevWindowOf[i] = prev;
    const w = windowOf[i]!;
    if (w >= 0 && windowRows[w]![1] === i) prev = w;
  }
  return { windowOf, prevWindowOf, windowRows, probation: probationLength(n) };
}
