import { createHash } from 'node:crypto';
import type { Crossing } from './breach.js';

export interface TrackerOptions {
  /** Consecutive forecasts without a crossing before a prediction is withdrawn (hysteresis). */
  readonly clearSteps: number;
  /** Crossings less likely than this do not issue (or keep) a prediction. */
  readonly minProbability: number;
  /** An open prediction is re-sent as `updated` when its probability moved this much ... */
  readonly probabilityChange: number;
  /** ... or its expected breach time moved by this many steps. */
  readonly breachShiftSteps: number;
}

export const DEFAULT_TRACKER: TrackerOptions = { clearSteps: 3, minProbability: 0, probabilityChange: 0.1, breachShiftSteps: 3 };

export interface Transition {
  readonly status: 'issued' | 'updated' | 'withdrawn';
  /** Stable for the prediction's whole life: issued, every update and the withdrawal share it. */
  readonly id: string;
  readonly expectedBreachAt: number;
  readonly probability: number;
}

/** An open prediction: its id, what was last sent, and forecasts in a row without a crossing. */
export interface OpenPrediction {
  readonly id: string;
  breachAt: number;
  probability: number;
  quiet: number;
}
type Open = OpenPrediction;

/**
 * The life of predictions, one per (series, limit): issued when the forecast band first
 * crosses the limit, updated only when the expected breach time or the probability moves
 * materially (not repeated on every step), withdrawn once `clearSteps` forecasts in a row no
 * longer cross. No I/O: the service turns transitions into aiops.predictions records.
 */
export class PredictionTracker {
  readonly options: TrackerOptions;
  private readonly open = new Map<string, Open>();

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = { ...DEFAULT_TRACKER, ...options };
  }

  /** One forecast of one series against one limit, made at `time` (steps of `stepMs`). */
  observe(key: string, time: number, stepMs: number, c: Crossing | undefined): Transition | undefined {
    const state = this.open.get(key);
    const o = this.options;
    if (c && c.probability >= o.minProbability) {
      const breachAt = time + c.stepsAhead * stepMs;
      if (!state) {
        const id = createHash('sha256').update(`${key}\u0000${time}`).digest('hex').slice(0, 32);
        this.open.set(key, { id, breachAt, probability: c.probability, quiet: 0 });
        return { status: 'issued', id, expectedBreachAt: breachAt, probability: c.probability };
      }
      state.quiet = 0;
      // Once the expected breach time has come, the limit is being breached: the breach time
      // rolling forward with every step is not news.
      const moved = state.breachAt > time && Math.abs(breachAt - state.breachAt) >= o.breachShiftSteps * stepMs;
      if (moved || Math.abs(c.probability - state.probability) >= o.probabilityChange) {
        state.breachAt = breachAt;
        state.probability = c.probability;
        return { status: 'updated', id: state.id, expectedBreachAt: breachAt, probability: c.probability };
      }
      return undefined;
    }
    if (!state) return undefined;
    state.quiet++;
    if (state.quiet < o.clearSteps) return undefined;
    this.open.delete(key);
    return { status: 'withdrawn', id: state.id, expectedBreachAt: state.breachAt, probability: 0 };
  }

  isOpen(key: string): boolean {
    return this.open.has(key);
  }

  get openCount(): number {
    return this.open.size;
  }

  /**
   * Open predictions whose key starts with prefix (one series'), for a checkpoint: the next
   * owner updates and withdraws them under the same ids instead of issuing them again.
   */
  openOf(prefix: string): Array<{ key: string } & OpenPrediction> {
    return [...this.open].filter(([key]) => key.startsWith(prefix)).map(([key, o]) => ({ key, ...o }));
  }

  /** Take over open predictions (replacing any under the same keys). */
  reopen(list: ReadonlyArray<{ key: string } & OpenPrediction>): void {
    for (const { key, id, breachAt, probability, quiet } of list) this.open.set(key, { id, breachAt, probability, quiet });
  }

  /** Forget the open predictions whose key starts with prefix, sending nothing (the series moved away). */
  forget(prefix: string): void {
    for (const key of [...this.open.keys()]) if (key.startsWith(prefix)) this.open.delete(key);
  }

  /** Withdraw every open prediction whose key starts with prefix (its series went idle). */
  withdrawAll(prefix: string): Array<{ key: string } & Transition> {
    const out: Array<{ key: string } & Transition> = [];
    for (const [key, state] of this.open) {
      if (!key.startsWith(prefix)) continue;
      this.open.delete(key);
      out.push({ key, status: 'withdrawn', id: state.id, expectedBreachAt: state.breachAt, probability: 0 });
    }
    return out;
  }
}

/** The tracker key of one series (its `seriesKey`) and limit. */
export function predictionKey(series: string, limit: string): string {
  return `${series}\u0000${limit}`;
}
