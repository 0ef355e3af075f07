import { ROOT_CONTEXT } from '@opentelemetry/api';
import { seededRandom } from '../../platform/random.js';
import type { InRecord } from '../../platform/stage/types.js';

/** Test fixture for the predictor's specs: one entity's disk and cpu, a step a minute. */
export const STEP = 60_000;
export const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Disk climbs 0.3% a step from 60% with noise, then (from step `peak`) drops back to 40% and stays. */
export function diskSeries(peak: number, steps: number, seed = 5): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: steps }, (_, i) => (i < peak ? 0.6 + 0.003 * i : 0.4) + 0.002 * (random() - 0.5));
}

/** Steps [from, to) as telemetry.metrics records: the disk (watched) and a cpu metric (not watched). */
export function records(entity: string, values: readonly number[], from: number, to: number): InRecord<unknown>[] {
  const out: InRecord<unknown>[] = [];
  for (let i = from; i < to; i++) {
    for (const [metric, value] of [
      ['disk_used_ratio', values[i]!],
      ['cpu_utilization', 30 + (i % 7)],
    ] as const) {
      const v = { entity, metric, timestamp: T0 + i * STEP, value };
      out.push({ topic: 'telemetry.metrics', partition: 0, offset: String(i * 2 + out.length), key: entity, value: v, headers: {}, timestamp: v.timestamp, trace: ROOT_CONTEXT });
    }
  }
  return out;
}

