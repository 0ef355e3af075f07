import type { Forecast } from './series-model.js';
import type { ForecasterOptions } from './options.js';

/**
 * Online forecast selection, per series and per step ahead, between the LSTM and the two
 * benchmarks every forecaster must beat: the naive forecast (the last value) and the seasonal
 * naive one (the same step one season earlier, when the model has a season). Each candidate's
 * forecasts are kept until their actuals arrive; at every origin, the forecast h steps ahead is
 * the candidate's whose h-step forecasts had the smallest mean absolute error over the recent
 * past (exponentially weighted) — errors of forecasts whose actuals are already known at the
 * origin, nothing else (no look-ahead). Until `minScored` of them are known the LSTM is used,
 * and a benchmark must beat the LSTM's recent error by `margin` (a fraction) to be chosen, so the
 * choice does not flap between near-equals.
 *
 * The band stays the LSTM's quantiles, widened where needed to hold the chosen median: the
 * quantiles are the model's view of the outcome, and a better point forecast is no reason to
 * move them (moving the band with the median instead raised the limit crossings outside any
 * labelled window on nab-dev by a fifth, with no window found earlier).
 */
export interface SelectorOptions {
  /** Half-life of the error weights, in origins. */
  readonly halfLife: number;
  /** h-step errors known before a benchmark may replace the LSTM at step h. */
  readonly minScored: number;
  /** A benchmark is chosen only when its weighted error is below (1 − margin) × the LSTM's. */
  readonly margin: number;
}

/** Candidates, in order: the LSTM, naive, seasonal naive. */
export const CANDIDATES = ['lstm', 'naive', 'seasonal'] as const;
export type Candidate = (typeof CANDIDATES)[number];
const C = CANDIDATES.length;

interface Pending {
  readonly origin: number;
  /** C × H candidate forecasts (NaN: candidate not available). */
  readonly values: Float64Array;
}

/** What a selector has learnt, as a checkpoint carries it (see `ForecastSelector.state`). */
export interface SelectorState {
  readonly lastRow: number;
  /** Per step ahead and candidate (H × C): weighted sums of |error| and of weights. */
  readonly errorSum: Float64Array;
  readonly weightSum: Float64Array;
  /** Per step ahead: errors known. */
  readonly scored: Float64Array;
  /** Forecasts still waiting for some of their actuals, oldest first (C × H values each). */
  readonly pending: ReadonlyArray<{ readonly origin: number; readonly values: Float64Array }>;
}

export class ForecastSelector {
  /** Forecasts whose actuals are not all known yet, oldest first. */
  private pending: Pending[] = [];
  /** Per step ahead and candidate: weighted sum of |error| and of weights, and count. */
  private readonly errorSum: Float64Array;
  private readonly weightSum: Float64Array;
  private readonly scored: Float64Array;
  private readonly decay: number;
  private lastRow = -Infinity;

  constructor(
    readonly horizon: number,
    private readonly o: SelectorOptions,
  ) {
    this.errorSum = new Float64Array(horizon * C);
    this.weightSum = new Float64Array(horizon * C);
    this.scored = new Float64Array(horizon);
    this.decay = Math.pow(0.5, 1 / Math.max(1e-9, o.halfLife));
  }

  /** Its errors and the forecasts still waiting for actuals: a copy, for a checkpoint. */
  state(): SelectorState {
    return {
      lastRow: this.lastRow,
      errorSum: this.errorSum.slice(),
      weightSum: this.weightSum.slice(),
      scored: this.scored.slice(),
      pending: this.pending.map((p) => ({ origin: p.origin, values: p.values.slice() })),
    };
  }

  /**
   * Take over a checkpoint's state (same horizon): it chooses on as the saved selector would
   * have, instead of the LSTM alone until `minScored` errors are known again.
   */
  load(state: SelectorState): void {
    const h = this.horizon;
    if (state.errorSum.length !== h * C || state.weightSum.length !== h * C || state.scored.length !== h || state.pending.some((p) => p.values.length !== C * h)) {
      throw new Error(`selector state of another horizon (expected ${h})`);
    }
    this.lastRow = state.lastRow;
    this.errorSum.set(state.errorSum);
    this.weightSum.set(state.weightSum);
    this.scored.set(state.scored);
    this.pending = state.pending.map((p) => ({ origin: p.origin, values: p.values.slice() }));
  }

  /**
   * The actual of absolute row `row` (rows in order; a row seen before is ignored): scores
   * every kept forecast that targeted it.
   */
  observe(row: number, actual: number): void {
    if (row <= this.lastRow) return;
    this.lastRow = row;
    const h = this.horizon;
    for (const p of this.pending) {
      const k = row - p.origin;
      if (k < 1 || k > h) continue;
      const i = (k - 1) * C;
      for (let c = 0; c < C; c++) {
        this.errorSum[i + c]! *= this.decay;
        this.weightSum[i + c]! *= this.decay;
        const f = p.values[c * h + k - 1]!;
        if (Number.isNaN(f)) continue;
        this.errorSum[i + c]! += Math.abs(f - actual);
        this.weightSum[i + c]! += 1;
      }
      this.scored[k - 1]!++;
    }
    while (this.pending.length > 0 && this.pending[0]!.origin + h <= row) this.pending.shift();
  }

  /**
   * The forecast from absolute row `origin` (whose actual must have been observed): the LSTM's,
   * or per step ahead the benchmark with the smaller recent error. `naive` and `seasonal` are
   * the benchmarks' H forecasts (`seasonal` undefined without a season).
   */
  select(origin: number, lstm: Forecast, naive: readonly number[], seasonal: readonly number[] | undefined): Forecast {
    const h = this.horizon;
    const values = new Float64Array(C * h).fill(NaN);
    for (let k = 0; k < h; k++) {
      values[k] = lstm.median[k]!;
      values[h + k] = naive[k]!;
      if (seasonal) values[2 * h + k] = seasonal[k]!;
    }
    this.pending.push({ origin, values });
    const median = lstm.median.slice();
    const low = lstm.low.slice();
    const high = lstm.high.slice();
    for (let k = 0; k < h; k++) {
      const c = this.choice(k);
      if (c === 0) continue;
      const f = values[c * h + k]!;
      if (Number.isNaN(f)) continue;
      median[k] = f;
      low[k] = Math.min(low[k]!, f);
      high[k] = Math.max(high[k]!, f);
    }
    return { median, low, high };
  }

  /** Index of the candidate used h = k + 1 steps ahead now. */
  choice(k: number): number {
    if (this.scored[k]! < this.o.minScored) return 0;
    const i = k * C;
    const err = (c: number) => (this.weightSum[i + c]! > 0 ? this.errorSum[i + c]! / this.weightSum[i + c]! : Infinity);
    const lstm = err(0);
    let best = 0;
    let bestErr = lstm * (1 - this.o.margin);
    for (let c = 1; c < C; c++) {
      const e = err(c);
      if (e < bestErr) {
        best = c;
        bestErr = e;
      }
    }
    return best;
  }
}

/** A series' selector under these options (undefined when selection is off: the LSTM alone). */
export function newSelector(o: Pick<ForecasterOptions, 'horizon' | 'selectionHalfLife' | 'selectionMinScored' | 'selectionMargin'>): ForecastSelector | undefined {
  return o.selectionHalfLife > 0 ? new ForecastSelector(o.horizon, { halfLife: o.selectionHalfLife, minScored: o.selectionMinScored, margin: o.selectionMargin }) : undefined;
}

/**
 * The forecast made from origin `t` (an index into `values`; `row` is its absolute row, the
 * selector's clock): the benchmarks from the rows up to t, then the selector's choice. The
 * origin's actual must already be observed.
 */
export function selectForecast(selector: ForecastSelector, values: ArrayLike<number>, t: number, row: number, lstm: Forecast, season: number): Forecast {
  const h = selector.horizon;
  const last = values[t]!;
  const naive = new Array<number>(h).fill(last);
  const seasonal = season > 0 ? Array.from({ length: h }, (_, k) => values[t + k + 1 - season * Math.ceil((k + 1) / season)]!) : undefined;
  return selector.select(row, lstm, naive, seasonal);
}

/**
 * Walks absolute rows [from, to) in order: each row's actual is observed before the forecast
 * from it is chosen, so a choice sees only errors already known at its origin (the service and
 * the backtest both walk this way, so they choose alike). `origins` are ascending indexes into
 * `values`, whose index 0 is absolute row `offset`; returns their chosen forecasts, in order.
 */
export function selectAlong(
  selector: ForecastSelector,
  values: ArrayLike<number>,
  offset: number,
  from: number,
  to: number,
  origins: readonly number[],
  lstm: readonly Forecast[],
  seasonOf: (j: number) => number,
): Forecast[] {
  const out: Forecast[] = [];
  for (let row = from, j = 0; row < to; row++) {
    const t = row - offset;
    selector.observe(row, values[t]!);
    if (origins[j] !== t) continue;
    out.push(selectForecast(selector, values, t, row, lstm[j]!, seasonOf(j)));
    j++;
  }
  return out;
}
