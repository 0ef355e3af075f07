import { ByteReader, ByteWriter } from '../platform/state/bytes.js';
import type { AlignmentState } from '../platform/series/step-aligner.js';
import type { SeriesSnapshot } from './forecast/online-forecaster.js';
import type { SeriesModel } from './forecast/series-model.js';
import type { SelectorState } from './forecast/selector.js';
import type { OpenPrediction } from './limits/prediction-tracker.js';

/** Format of a predictor checkpoint record; bumped when the layout changes. */
const FORMAT = 1;

/** One series of an entity's checkpoint: its alignment, its forecaster and its open predictions. */
export interface SeriesCheckpoint {
  /** The series' `seriesKey` (tenant + entity + metric + labels). */
  readonly key: string;
  /** The aligner's step for the series, and its open steps and watermark. */
  readonly stepMs: number;
  readonly alignment: AlignmentState;
  readonly forecast: SeriesSnapshot;
  /** Open predictions, by limit name. */
  readonly open: ReadonlyArray<{ limit: string } & OpenPrediction>;
}

/**
 * One entity's checkpoint, the value of its record on the changelog (aiops.predictor-state):
 * what the predictor needs to go on with the entity's watched series where it left off — per
 * series the aligner's step, open steps and watermark, the forecaster's kept history, model
 * (weights, normalisation, version, when trained) and selector errors, and the predictions still
 * open; and the entity's counters' previous samples (so no rate is lost at the hand-over).
 */
export interface EntityCheckpoint {
  readonly entity: string;
  readonly counters: ReadonlyArray<{ key: string; timestamp: number; value: number }>;
  readonly series: readonly SeriesCheckpoint[];
}

export function encodeCheckpoint(c: EntityCheckpoint): Uint8Array {
  const w = new ByteWriter().u8(FORMAT).str(c.entity).i32(c.counters.length);
  for (const k of c.counters) w.str(k.key).f64(k.timestamp).f64(k.value);
  w.i32(c.series.length);
  for (const s of c.series) {
    w.str(s.key).f64(s.stepMs);
    writeAlignment(w, s.alignment);
    writeForecast(w, s.forecast);
    w.i32(s.open.length);
    for (const o of s.open) w.str(o.limit).str(o.id).f64(o.breachAt).f64(o.probability).i32(o.quiet);
  }
  return w.bytes();
}

export function decodeCheckpoint(bytes: Uint8Array): EntityCheckpoint {
  const r = new ByteReader(bytes);
  const format = r.u8();
  if (format !== FORMAT) throw new Error(`predictor checkpoint format ${format}, expected ${FORMAT}`);
  const entity = r.str();
  const counters = times(r.i32(), () => ({ key: r.str(), timestamp: r.f64(), value: r.f64() }));
  const series = times(r.i32(), (): SeriesCheckpoint => {
    const key = r.str();
    const stepMs = r.f64();
    const alignment = readAlignment(r);
    const forecast = readForecast(r);
    const open = times(r.i32(), () => ({ limit: r.str(), id: r.str(), breachAt: r.f64(), probability: r.f64(), quiet: r.i32() }));
    return { key, stepMs, alignment, forecast, open };
  });
  if (!r.done) throw new Error(`predictor checkpoint of ${bytes.length} bytes has ${bytes.length - r.offset} bytes left over`);
  return { entity, counters, series };
}

function writeAlignment(w: ByteWriter, a: AlignmentState): void {
  w.f64(a.closedThrough).f64(a.maxTime).i32(a.open.length);
  for (const o of a.open) {
    w.f64(o.start).i32(o.samples).i32(o.values.length);
    for (const [slot, value] of o.values) w.i32(slot).f64(value);
  }
}

function readAlignment(r: ByteReader): AlignmentState {
  const closedThrough = r.f64();
  const maxTime = r.f64();
  const open = times(r.i32(), () => {
    const start = r.f64();
    const samples = r.i32();
    const values = times(r.i32(), () => [r.i32(), r.f64()] as const);
    return { start, samples, values };
  });
  return { closedThrough, maxTime, open };
}

/**
 * The history in float64 (a forecast from restored rows must equal the original's); its times
 * as the first one plus the rows that do not follow their predecessor by one step (gaps are
 * rare: consecutive steps cost nothing).
 */
function writeForecast(w: ByteWriter, f: SeriesSnapshot): void {
  w.f64(f.stepMs).f64(f.dropped).f64(f.pending).f64(f.lastTime).f64(f.trainedAt ?? NaN);
  w.f64s(f.values);
  const breaks: number[] = [];
  for (let i = 0; i < f.times.length; i++) if (i === 0 || f.times[i] !== f.times[i - 1]! + f.stepMs) breaks.push(i);
  w.i32(f.times.length).i32(breaks.length);
  for (const i of breaks) w.i32(i).f64(f.times[i]!);
  w.u8(f.model ? 1 : 0);
  if (f.model) writeModel(w, f.model);
  w.u8(f.selector ? 1 : 0);
  if (f.selector) {
    const s = f.selector;
    w.f64(s.lastRow).f64s(s.errorSum).f64s(s.weightSum).f64s(s.scored).i32(s.pending.length);
    for (const p of s.pending) w.f64(p.origin).f64s(p.values);
  }
}

function readForecast(r: ByteReader): SeriesSnapshot {
  const stepMs = r.f64();
  const dropped = r.f64();
  const pending = r.f64();
  const lastTime = r.f64();
  const trained = r.f64();
  const values = Array.from(r.f64s());
  const n = count(r.i32());
  if (n !== values.length) throw new Error(`predictor checkpoint: ${n} times for ${values.length} values`);
  const breaks = times(r.i32(), () => [r.i32(), r.f64()] as const);
  const timesOut = new Array<number>(n);
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (b < breaks.length && breaks[b]![0] === i) timesOut[i] = breaks[b++]![1];
    else if (i === 0) throw new Error('predictor checkpoint: times without a first one');
    else timesOut[i] = timesOut[i - 1]! + stepMs;
  }
  const model = r.u8() === 1 ? readModel(r) : undefined;
  let selector: SelectorState | undefined;
  if (r.u8() === 1) {
    const lastRow = r.f64();
    const errorSum = r.f64s();
    const weightSum = r.f64s();
    const scored = r.f64s();
    const pendingForecasts = times(r.i32(), () => ({ origin: r.f64(), values: r.f64s() }));
    selector = { lastRow, errorSum, weightSum, scored, pending: pendingForecasts };
  }
  return { stepMs, values, times: timesOut, dropped, pending, lastTime, trainedAt: Number.isNaN(trained) ? undefined : trained, model, selector };
}

function writeModel(w: ByteWriter, m: SeriesModel): void {
  const { spec, weights: x } = m;
  w.i32(m.version).i32(spec.window).i32(spec.horizon).i32(spec.season).f64(spec.scale).f64(spec.rest ?? NaN);
  w.i32(x.channels).i32(x.units).i32(x.horizon).f32s(x.wx).f32s(x.wh).f32s(x.b).f32s(x.wo).f32s(x.bo).f32s(x.wl);
}

function readModel(r: ByteReader): SeriesModel {
  const version = r.i32();
  const window = r.i32();
  const horizon = r.i32();
  const season = r.i32();
  const scale = r.f64();
  const rest = r.f64();
  const channels = r.i32();
  const units = r.i32();
  const h = r.i32();
  const weights = { channels, units, horizon: h, wx: r.f32s(channels * 4 * units), wh: r.f32s(units * 4 * units), b: r.f32s(4 * units), wo: r.f32s(units * 3 * h), bo: r.f32s(3 * h), wl: r.f32s() };
  if (weights.wl.length !== window * channels * h) throw new Error(`predictor checkpoint: highway of ${weights.wl.length} weights, expected ${window * channels * h}`);
  return { version, spec: { window, horizon, season, scale, ...(Number.isNaN(rest) ? {} : { rest }) }, weights };
}

function times<T>(n: number, read: () => T): T[] {
  return Array.from({ length: count(n) }, read);
}

function count(n: number): number {
  if (!(n >= 0)) throw new Error(`predictor checkpoint: bad count ${n}`);
  return n;
}
