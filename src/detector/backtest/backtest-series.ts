import { Detector, type DetectorOverrides, type ScoreResult } from '../../lib/anomaly/index.js';

export interface BacktestInput {
  readonly entity: string;
  readonly times: readonly number[];
  readonly rows: readonly (readonly number[])[];
}

/** Rows each entity feeds per round: the micro-batch a streaming consumer would hand over. */
export const DEFAULT_CHUNK_ROWS = 64;

/**
 * Replay several entities through the streaming detector in lockstep: each round queues the
 * next chunk of every entity's rows and makes one `scoreDue` call, as the service would (the
 * scores do not depend on the chunk size; a spec checks it).
 */
export function backtestSeries(inputs: readonly BacktestInput[], overrides: DetectorOverrides = {}, chunkRows = DEFAULT_CHUNK_ROWS): ScoreResult[][] {
  const detector = new Detector(overrides);
  const results = inputs.map(() => [] as ScoreResult[]);
  const longest = Math.max(0, ...inputs.map((i) => i.rows.length));
  for (let start = 0; start < longest; start += chunkRows) {
    inputs.forEach((input, k) => {
      const end = Math.min(input.rows.length, start + chunkRows);
      for (let r = start; r < end; r++) detector.observe(input.entity, { time: input.times[r]!, values: input.rows[r]! });
    });
    const scored = detector.scoreDue();
    const byEntity = new Map(scored.map((s) => [s.entity, s.results]));
    inputs.forEach((input, k) => results[k]!.push(...(byEntity.get(input.entity) ?? [])));
  }
  return results;
}
