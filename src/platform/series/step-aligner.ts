/**
 * Streams to vectors: per entity, collects samples (one series, one timestamp, one value) into
 * one vector per time step, in a fixed series order, and hands over each step once it is closed.
 * A vector slot is one series (its `seriesKey`: tenant + entity + metric + labels), never a bare
 * metric name, so the many series of one name each keep a slot of their own. The detector scores
 * an entity's vector; the predictor aligns each series alone (its series key as the entity).
 *
 * Rules (all per entity):
 * - **Step**: `stepMs` when configured; otherwise the data's own interval — the smallest positive
 *   gap between the first `inferFromTimes` distinct timestamps the entity sent (at least
 *   `minStepMs`). Samples wait unbucketed until it is known; once known it never changes.
 *   Steps are aligned to the epoch: a sample at `t` belongs to the step starting at
 *   `floor(t / step) * step`.
 * - **Watermark**: a step `[s, s + step)` is closed once a sample with timestamp
 *   `>= s + step + latenessMs` has arrived for the entity (with `latenessMs = 0`, the first sample
 *   of any later step closes it). Closed steps come out in time order; steps that got no sample
 *   at all produce no vector.
 * - **Late**: a sample for a step that is already closed — or that is behind the watermark
 *   (`start + step + latenessMs <= latest timestamp`) — is dropped and counted (`late`).
 * - **Missing**: a series with no sample in a step is `NaN` in that step's vector. Two samples of
 *   one series in one step: the last one wins (a redelivered sample changes nothing).
 * - **Series order**: series get positions in the order they first appear (or the order `seed`
 *   gave: a stored model's); a new series is appended only until the entity's *second* step is
 *   closed. After that the order is fixed and a new series' samples are dropped and counted
 *   (`new_series`). The first step an entity sends may be partial — a consumer restarted from a
 *   commit inside a step, or given a partition mid-stream, sees only its last samples — so it
 *   cannot fix the order: it is held until the second step closes and handed over then, with the
 *   series it lacks as `NaN`.
 * - **Cap**: at most `maxSeries` slots per entity; samples of further series are dropped and
 *   counted (`series_cap`), never put in another series' slot.
 */
export interface Sample {
  readonly entity: string;
  /** The series' key (`seriesKey`): what the vector slot is keyed by. */
  readonly series: string;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly value: number;
}

export interface AlignerOptions {
  /** Fixed step in ms; 0 = infer from the data. */
  readonly stepMs: number;
  /** Extra time past a step's end before it closes. */
  readonly latenessMs: number;
  /** Distinct timestamps seen before an inferred step is fixed. */
  readonly inferFromTimes: number;
  /** Floor for an inferred step (guards against producers that stamp each series a few ms apart). */
  readonly minStepMs: number;
  /** Slots per entity at most; further series are dropped (`series_cap`). */
  readonly maxSeries: number;
}

export const DEFAULT_ALIGNER: AlignerOptions = { stepMs: 0, latenessMs: 0, inferFromTimes: 3, minStepMs: 1, maxSeries: Infinity };

/** One closed step of one entity. `ref` is the last input that contributed to it (its source record). */
export interface ClosedStep<R> {
  readonly entity: string;
  /** Step start, epoch ms. */
  readonly time: number;
  readonly stepMs: number;
  /** One value per series, in `series` order; NaN when missing. */
  readonly values: number[];
  /** The series keys of the slots. */
  readonly series: readonly string[];
  /** Samples that went into this step. */
  readonly samples: number;
  readonly ref: R | undefined;
}

export type DropReason = 'late' | 'new_series' | 'series_cap' | 'invalid';

/** An entity's open steps and watermark, as a checkpoint carries them (see `openSteps`). */
export interface AlignmentState {
  readonly closedThrough: number;
  readonly maxTime: number;
  readonly open: ReadonlyArray<{ readonly start: number; readonly samples: number; readonly values: ReadonlyArray<readonly [number, number]> }>;
}

interface OpenStep<R> {
  values: Map<number, number>;
  samples: number;
  ref: R | undefined;
}

class EntityAlignment<R> {
  step: number | undefined;
  readonly series: string[] = [];
  readonly index = new Map<string, number>();
  frozen = false;
  /** Steps closed before the series order was fixed (the first one), handed over once it is. */
  held: Array<{ start: number; open: OpenStep<R> }> = [];
  /** Samples waiting for the step to be inferred. */
  waiting: Array<{ sample: Sample; ref: R | undefined }> = [];
  readonly times = new Set<number>();
  readonly open = new Map<number, OpenStep<R>>();
  /** Start of the last closed step. */
  closedThrough = -Infinity;
  maxTime = -Infinity;

  constructor(readonly id: string, step: number | undefined) {
    this.step = step;
  }
}

export class StepAligner<R = undefined> {
  readonly options: AlignerOptions;
  private readonly entities = new Map<string, EntityAlignment<R>>();
  private ready: Array<ClosedStep<R>> = [];
  readonly dropped: Record<DropReason, number> = { late: 0, new_series: 0, series_cap: 0, invalid: 0 };
  /** The latest sample dropped for the cap (for the operator's log line). */
  lastCapped: Sample | undefined;

  constructor(options: Partial<AlignerOptions> = {}) {
    this.options = { ...DEFAULT_ALIGNER, ...options };
    if (this.options.stepMs < 0 || this.options.latenessMs < 0) throw new Error('stepMs and latenessMs must be >= 0');
    if (!(this.options.maxSeries >= 1)) throw new Error('maxSeries must be >= 1');
  }

  /** Add one sample; returns false when it was dropped (and counted in `dropped`). */
  add(sample: Sample, ref?: R): boolean {
    if (!Number.isFinite(sample.timestamp)) return this.drop('invalid');
    let e = this.entities.get(sample.entity);
    if (!e) {
      e = new EntityAlignment<R>(sample.entity, this.options.stepMs > 0 ? this.options.stepMs : undefined);
      this.entities.set(sample.entity, e);
    }
    if (e.step === undefined) {
      e.waiting.push({ sample, ref });
      e.times.add(sample.timestamp);
      if (e.times.size < this.options.inferFromTimes) return true;
      const sorted = [...e.times].sort((a, b) => a - b);
      let gap = Infinity;
      for (let i = 1; i < sorted.length; i++) gap = Math.min(gap, sorted[i]! - sorted[i - 1]!);
      e.step = Math.max(this.options.minStepMs, gap);
      // Placed in time order, so samples that merely arrived out of order are not counted late.
      const waiting = e.waiting.sort((a, b) => a.sample.timestamp - b.sample.timestamp);
      e.waiting = [];
      e.times.clear();
      let ok = true;
      for (const w of waiting) ok = this.place(e, w.sample, w.ref) && ok;
      return ok;
    }
    return this.place(e, sample, ref);
  }

  /**
   * Give an entity the series order it had before (a stored model's), before its first sample:
   * a restart that resumes inside a step must not reorder its series. Further series are still
   * appended as usual (up to the cap). Ignored once the entity has series.
   */
  seed(entity: string, series: readonly string[]): void {
    let e = this.entities.get(entity);
    if (!e) {
      e = new EntityAlignment<R>(entity, this.options.stepMs > 0 ? this.options.stepMs : undefined);
      this.entities.set(entity, e);
    }
    if (e.series.length > 0) return;
    for (const key of series) {
      if (e.index.has(key)) continue;
      e.index.set(key, e.series.length);
      e.series.push(key);
    }
  }

  /**
   * What of an entity's alignment a checkpoint carries: its steps still open (their samples so
   * far, without the records they came from) and its watermark. With them the next owner closes
   * the open step with every sample, not only those that come after the hand-over.
   */
  openSteps(entity: string): AlignmentState | undefined {
    const e = this.entities.get(entity);
    if (!e) return undefined;
    const open = [...e.open].map(([start, o]) => ({ start, samples: o.samples, values: [...o.values] }));
    return { closedThrough: e.closedThrough, maxTime: e.maxTime, open };
  }

  /**
   * Take over an entity from a checkpoint (its partition moved here, or the process restarted):
   * its series order and step as they were, the order fixed, as after its second step, and its
   * open steps and watermark when the checkpoint has them. Replaces whatever this aligner had.
   */
  restore(entity: string, series: readonly string[], step: number | undefined, state?: AlignmentState): void {
    const e = new EntityAlignment<R>(entity, this.options.stepMs > 0 ? this.options.stepMs : step);
    for (const key of series) {
      e.index.set(key, e.series.length);
      e.series.push(key);
    }
    e.frozen = e.step !== undefined && series.length > 0;
    if (state) {
      e.closedThrough = state.closedThrough;
      e.maxTime = state.maxTime;
      for (const o of state.open) e.open.set(o.start, { values: new Map(o.values), samples: o.samples, ref: undefined });
    }
    this.entities.set(entity, e);
  }

  /** Whether the entity's series order is fixed (its second step has closed). */
  isFrozen(entity: string): boolean {
    return this.entities.get(entity)?.frozen ?? false;
  }

  /** Closed steps since the last call, per entity in time order. */
  drain(): Array<ClosedStep<R>> {
    const out = this.ready;
    this.ready = [];
    return out;
  }

  /** The entity's step (undefined while it is still being inferred). */
  stepOf(entity: string): number | undefined {
    return this.entities.get(entity)?.step;
  }

  /** The entity's slots: series keys in vector order. */
  seriesOf(entity: string): readonly string[] {
    return this.entities.get(entity)?.series ?? [];
  }

  get entityCount(): number {
    return this.entities.size;
  }

  /** Samples held in steps not yet closed (or waiting for the step to be known). */
  openSamples(): number {
    let n = 0;
    for (const e of this.entities.values()) {
      n += e.waiting.length;
      for (const s of e.open.values()) n += s.samples;
      for (const h of e.held) n += h.open.samples;
    }
    return n;
  }

  forget(entity: string): void {
    this.entities.delete(entity);
  }

  private place(e: EntityAlignment<R>, sample: Sample, ref: R | undefined): boolean {
    const step = e.step!;
    const start = Math.floor(sample.timestamp / step) * step;
    // Behind the watermark: its step is closed (or would have been, had it had a sample).
    if (start <= e.closedThrough || start + step + this.options.latenessMs <= e.maxTime) return this.drop('late');
    let position = e.index.get(sample.series);
    if (position === undefined) {
      if (e.series.length >= this.options.maxSeries) {
        this.lastCapped = sample;
        return this.drop('series_cap');
      }
      if (e.frozen) return this.drop('new_series');
      position = e.series.length;
      e.series.push(sample.series);
      e.index.set(sample.series, position);
    }
    let open = e.open.get(start);
    if (!open) {
      open = { values: new Map(), samples: 0, ref: undefined };
      e.open.set(start, open);
    }
    open.values.set(position, sample.value);
    open.samples++;
    open.ref = ref;
    if (sample.timestamp > e.maxTime) {
      e.maxTime = sample.timestamp;
      this.close(e);
    }
    return true;
  }

  /** Close every open step that ends at least `latenessMs` before the entity's latest sample. */
  private close(e: EntityAlignment<R>): void {
    const step = e.step!;
    const due = [...e.open.keys()].filter((s) => s + step + this.options.latenessMs <= e.maxTime).sort((a, b) => a - b);
    for (const start of due) {
      const open = e.open.get(start)!;
      e.open.delete(start);
      e.closedThrough = start;
      if (e.frozen) {
        this.emit(e, start, open);
        continue;
      }
      // The first closed step may be partial: hold it; the second fixes the order.
      e.held.push({ start, open });
      if (e.held.length < 2) continue;
      e.frozen = true;
      for (const h of e.held) this.emit(e, h.start, h.open);
      e.held = [];
    }
  }

  private emit(e: EntityAlignment<R>, start: number, open: OpenStep<R>): void {
    const values = e.series.map((_, i) => open.values.get(i) ?? NaN);
    this.ready.push({ entity: e.id, time: start, stepMs: e.step!, values, series: e.series, samples: open.samples, ref: open.ref });
  }

  private drop(reason: DropReason): false {
    this.dropped[reason]++;
    return false;
  }
}
