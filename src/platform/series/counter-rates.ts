/**
 * Cumulative counters (`kind: counter` on telemetry.metrics) to per-second rates, before the
 * aligner: rate = (value - previous) / seconds between them, per entity and metric. A value below
 * the previous one is a counter reset (the process restarted and counts from 0): the rate is
 * then value / seconds. The first sample of a counter only sets the baseline (no rate yet), and a
 * sample not newer than the previous one cannot give a rate: both are reported as not usable.
 */
export type CounterOutcome = { ok: true; rate: number; reset: boolean } | { ok: false; reason: 'counter_start' | 'counter_out_of_order' };

export class CounterRates {
  private readonly last = new Map<string, { timestamp: number; value: number }>();

  rate(entity: string, metric: string, timestamp: number, value: number): CounterOutcome {
    const key = `${entity}\u0000${metric}`;
    const prev = this.last.get(key);
    if (!prev) {
      this.last.set(key, { timestamp, value });
      return { ok: false, reason: 'counter_start' };
    }
    if (timestamp <= prev.timestamp) return { ok: false, reason: 'counter_out_of_order' };
    this.last.set(key, { timestamp, value });
    const seconds = (timestamp - prev.timestamp) / 1000;
    const reset = value < prev.value;
    return { ok: true, rate: (reset ? value : value - prev.value) / seconds, reset };
  }

  forget(entity: string): void {
    for (const key of this.last.keys()) if (key.startsWith(`${entity}\u0000`)) this.last.delete(key);
  }
}
