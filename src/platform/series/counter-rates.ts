import { seriesKey, type SeriesIdentity } from './series-identity.js';

/**
 * Cumulative counters (`kind: counter` on telemetry.metrics) to per-second rates, per series
 * (tenant + entity + metric + labels: `seriesKey`): rate = (value - previous) / seconds between
 * them. A value below the previous one is a counter reset (the process restarted and counts
 * from 0): the rate is then value / seconds. The first sample of a counter only sets the
 * baseline (no rate yet), and a sample not newer than the previous one cannot give a rate: both
 * are reported as not usable. Keyed by the whole identity, so the many series of one metric name
 * (one per CPU and mode, say) each keep their own previous value and never look like resets of
 * one another.
 */
export type CounterOutcome = { ok: true; rate: number; reset: boolean } | { ok: false; reason: 'counter_start' | 'counter_out_of_order' };

export class CounterRates {
  /** entity → series key → the series' previous sample (per entity, so an entity is forgotten at once). */
  private readonly last = new Map<string, Map<string, { timestamp: number; value: number }>>();

  /** `key`: the series' `seriesKey`, when the caller has it already. */
  rate(series: SeriesIdentity, timestamp: number, value: number, key = seriesKey(series)): CounterOutcome {
    let entity = this.last.get(series.entity);
    if (!entity) this.last.set(series.entity, (entity = new Map()));
    const prev = entity.get(key);
    if (!prev) {
      entity.set(key, { timestamp, value });
      return { ok: false, reason: 'counter_start' };
    }
    if (timestamp <= prev.timestamp) return { ok: false, reason: 'counter_out_of_order' };
    entity.set(key, { timestamp, value });
    const seconds = (timestamp - prev.timestamp) / 1000;
    const reset = value < prev.value;
    return { ok: true, rate: (reset ? value : value - prev.value) / seconds, reset };
  }

  /**
   * What a sample contributes to its series as the detector and the predictor score it: a gauge
   * its value, a counter its rate (`rate` above, not usable on its first sample or out of order).
   */
  valueOf(sample: SeriesIdentity & { kind?: string; timestamp: number; value: number }, key = seriesKey(sample)): CounterOutcome {
    if (sample.kind !== 'counter') return { ok: true, rate: sample.value, reset: false };
    return this.rate(sample, sample.timestamp, sample.value, key);
  }

  /** The entity's counters' previous samples, to carry over in a checkpoint. */
  export(entity: string): Array<{ key: string; timestamp: number; value: number }> {
    return [...(this.last.get(entity) ?? [])].map(([key, v]) => ({ key, ...v }));
  }

  /** Take over an entity's counters' previous samples (replacing any kept here). */
  import(entity: string, counters: ReadonlyArray<{ key: string; timestamp: number; value: number }>): void {
    this.last.set(entity, new Map(counters.map((c) => [c.key, { timestamp: c.timestamp, value: c.value }])));
  }

  /** Every series of the entity (of every tenant). */
  forget(entity: string): void {
    this.last.delete(entity);
  }
}
