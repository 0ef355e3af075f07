/**
 * The detector's scoring core in process (no Kafka): how fast it scores a series in its first
 * day and once it is past its first week, when the seasonal references judge it. The fleet and
 * pipeline benches hold their series for minutes of history only, so they never reach the second
 * case — the steady state of a fleet that has run for a while.
 *
 * BENCH_SCORING_ENTITIES (default 100, × 8 metrics at 5-minute steps, 8 days),
 * BENCH_SCORING_REPEATS (3), BENCH_SCORING=false skips it.
 */
import { Detector } from '../../src/lib/anomaly/index.js';
import { seededRandom } from '../../src/platform/random.js';
import { fmt, median } from './harness.js';

const METRICS = 8;
const STEP_MS = 300_000;
const DAY_STEPS = 288;
const WEEK_STEPS = 7 * DAY_STEPS;
const STEPS = WEEK_STEPS + DAY_STEPS;
/** Rows handed to the detector per scoreDue call, as a consumer's micro-batch would. */
const BATCH_STEPS = 16;

export interface ScoringResult {
  series: number;
  repeats: number;
  first_day_samples_per_s: number;
  past_first_week_samples_per_s: number;
}

export function scoringBench(entities = Number(process.env.BENCH_SCORING_ENTITIES ?? 100), repeats = Number(process.env.BENCH_SCORING_REPEATS ?? 3)): ScoringResult {
  const firstDay: number[] = [];
  const pastWeek: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const rates = scoreOnce(entities, r + 1);
    firstDay.push(rates.firstDay);
    pastWeek.push(rates.pastWeek);
  }
  return { series: entities * METRICS, repeats, first_day_samples_per_s: median(firstDay), past_first_week_samples_per_s: median(pastWeek) };
}

/** One run over fresh state: samples/s in the first day and after the first week. */
function scoreOnce(entities: number, seed: number): { firstDay: number; pastWeek: number } {
  const detector = new Detector();
  const random = seededRandom(seed);
  const noise = () => (random() - 0.5) * 6;
  const t0 = Date.UTC(2026, 0, 5);
  // Time and steps of the micro-batches wholly inside each phase.
  const firstDay = { ns: 0n, steps: 0 };
  const pastWeek = { ns: 0n, steps: 0 };
  for (let from = 0; from < STEPS; from += BATCH_STEPS) {
    const to = Math.min(STEPS, from + BATCH_STEPS);
    const start = process.hrtime.bigint();
    for (let s = from; s < to; s++) {
      const daily = Math.sin((2 * Math.PI * (s % DAY_STEPS)) / DAY_STEPS);
      for (let e = 0; e < entities; e++) {
        const values = new Array<number>(METRICS);
        for (let m = 0; m < METRICS; m++) values[m] = 50 + (10 + m) * daily + noise();
        detector.observe(`h${e}`, { time: t0 + s * STEP_MS, values });
      }
    }
    detector.scoreDue();
    const phase = to <= DAY_STEPS ? firstDay : from >= WEEK_STEPS ? pastWeek : undefined;
    if (phase) {
      phase.ns += process.hrtime.bigint() - start;
      phase.steps += to - from;
    }
  }
  const rate = (p: { ns: bigint; steps: number }) => (p.steps * entities * METRICS) / (Number(p.ns) / 1e9);
  return { firstDay: rate(firstDay), pastWeek: rate(pastWeek) };
}

export function printScoring(s: ScoringResult): void {
  console.log(`  ${fmt(s.series)} series at 5-minute steps, median of ${s.repeats}: first day ${fmt(s.first_day_samples_per_s)} samples/s, past the first week ${fmt(s.past_first_week_samples_per_s)} samples/s`);
}
