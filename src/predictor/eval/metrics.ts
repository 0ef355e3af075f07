/**
 * Forecast accuracy measures. Sums are returned alongside means so that rolling origins can be
 * accumulated and divided once.
 *
 * MASE (Hyndman & Koehler 2006): mean absolute error divided by the in-sample mean absolute
 * error of the one-step naive forecast (here over the rows before the first evaluated origin).
 * sMAPE: 200/n · Σ |F − A| / (|A| + |F|), in percent; a term with A = F = 0 counts 0.
 */
export function maseScale(values: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  let n = 0;
  for (let i = Math.max(from, 0) + 1; i < to; i++) {
    sum += Math.abs(values[i]! - values[i - 1]!);
    n++;
  }
  return n > 0 && sum > 0 ? sum / n : 1;
}

export function smapeTerm(actual: number, forecast: number): number {
  const den = Math.abs(actual) + Math.abs(forecast);
  return den === 0 ? 0 : (200 * Math.abs(forecast - actual)) / den;
}

/** Running sums of |error| / scale and sMAPE terms. */
export class Accuracy {
  private absScaled = 0;
  private smape = 0;
  count = 0;

  constructor(private readonly scale: number) {}

  add(actual: number, forecast: number): void {
    this.absScaled += Math.abs(forecast - actual) / this.scale;
    this.smape += smapeTerm(actual, forecast);
    this.count++;
  }

  get mase(): number {
    return this.count > 0 ? this.absScaled / this.count : NaN;
  }

  get sMape(): number {
    return this.count > 0 ? this.smape / this.count : NaN;
  }
}

/** Seasonal-naive forecast of y[t + h] from origin t: y[t + h − m·⌈h/m⌉], or the last value when m = 0. */
export function seasonalNaive(values: ArrayLike<number>, t: number, h: number, season: number): number {
  if (season <= 0) return values[t]!;
  const back = season * Math.ceil(h / season);
  return values[t + h - back]!;
}
