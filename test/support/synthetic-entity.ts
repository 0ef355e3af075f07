import { seededRandom } from '../../src/platform/random.js';

export const SYNTHETIC_METRICS = ['cpu_utilization', 'memory_used_ratio', 'request_rate', 'latency_p99_seconds', 'error_ratio', 'disk_used_ratio', 'network_in_bytes', 'gc_pause_seconds'];
export const SYNTHETIC_STEP_MS = 60_000;
/** Steps of normal behaviour before the fault: enough for any detector to learn what is normal. */
export const QUIET_STEPS = 600;
/** Steps the fault lasts: the bound within which a detector must flag it. */
export const FAULT_STEPS = 40;
/** How far off the fault puts every metric, in standard deviations of its quiet values. */
export const FAULT_SIGMAS = 50;

export interface Sample {
  entity: string;
  metric: string;
  timestamp: number;
  value: number;
}

/**
 * Eight metrics with a daily cycle and seeded noise, one step a minute from `start`; after
 * QUIET_STEPS, a gross fault for FAULT_STEPS: every metric FAULT_SIGMAS standard deviations above
 * its quiet mean. A fault no detector can miss, so tests of what happens after a detection do not
 * depend on how well the detector does on subtle ones (the offline evaluation judges that).
 * The fault's steps are [faultStart, faultEnd) in event time.
 */
export function grossFaultEntity(entity: string, start: number): { samples: Sample[]; faultStart: number; faultEnd: number } {
  const rand = seededRandom(11);
  const quiet = SYNTHETIC_METRICS.map(() => [] as number[]);
  const rows: number[][] = [];
  for (let i = 0; i < QUIET_STEPS + FAULT_STEPS; i++) {
    const day = Math.sin((2 * Math.PI * i) / 1440);
    rows.push(SYNTHETIC_METRICS.map((_, k) => 10 * (k + 1) * (1 + 0.3 * day) + (rand() - 0.5) * (k + 1)));
    if (i < QUIET_STEPS) rows[i]!.forEach((v, k) => quiet[k]!.push(v));
  }
  const stats = quiet.map((vs) => {
    const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
    return { mean, sd: Math.sqrt(vs.reduce((a, v) => a + (v - mean) ** 2, 0) / vs.length) };
  });
  const samples = rows.flatMap((row, i) =>
    row.map((v, k) => ({
      entity,
      metric: SYNTHETIC_METRICS[k]!,
      timestamp: start + i * SYNTHETIC_STEP_MS,
      value: i < QUIET_STEPS ? v : stats[k]!.mean + FAULT_SIGMAS * stats[k]!.sd,
    })),
  );
  return { samples, faultStart: start + QUIET_STEPS * SYNTHETIC_STEP_MS, faultEnd: start + (QUIET_STEPS + FAULT_STEPS) * SYNTHETIC_STEP_MS };
}

/** A start for the entity's steps such that all of them, fault included, lie in the recent past. */
export function backDatedStart(now = Date.now()): number {
  return Math.floor(now / SYNTHETIC_STEP_MS) * SYNTHETIC_STEP_MS - (QUIET_STEPS + FAULT_STEPS + 10) * SYNTHETIC_STEP_MS;
}
