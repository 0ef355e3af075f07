import { ByteReader, ByteWriter } from '../platform/state/bytes.js';
import type { AlignmentState } from '../platform/series/step-aligner.js';

/** Format of a detector checkpoint record; bumped when the layout changes. */
const FORMAT = 1;

/**
 * One entity's checkpoint, the value of its record on the changelog (aiops.detector-state):
 * what the service needs to score it where it left off — its series in vector order, its step,
 * watermark and open steps (the aligner), its counters' previous samples (so no rate is lost),
 * and the scoring core's state (seasonal profiles, tail sketches, suppression, feedback scale).
 */
export interface EntityCheckpoint {
  readonly entity: string;
  readonly series: readonly string[];
  readonly stepMs: number | undefined;
  readonly alignment: AlignmentState;
  readonly counters: ReadonlyArray<{ key: string; timestamp: number; value: number }>;
  readonly state: Uint8Array;
}

export function encodeCheckpoint(c: EntityCheckpoint): Uint8Array {
  const w = new ByteWriter().u8(FORMAT).str(c.entity).i32(c.series.length);
  for (const key of c.series) w.str(key);
  w.f64(c.stepMs ?? NaN).f64(c.alignment.closedThrough).f64(c.alignment.maxTime).i32(c.alignment.open.length);
  for (const o of c.alignment.open) {
    w.f64(o.start).i32(o.samples).i32(o.values.length);
    for (const [slot, value] of o.values) w.i32(slot).f64(value);
  }
  w.i32(c.counters.length);
  for (const k of c.counters) w.str(k.key).f64(k.timestamp).f64(k.value);
  w.i32(c.state.length);
  const head = w.bytes();
  const out = new Uint8Array(head.length + c.state.length);
  out.set(head);
  out.set(c.state, head.length);
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): EntityCheckpoint {
  const r = new ByteReader(bytes);
  const format = r.u8();
  if (format !== FORMAT) throw new Error(`detector checkpoint format ${format}, expected ${FORMAT}`);
  const entity = r.str();
  const series = Array.from({ length: count(r.i32()) }, () => r.str());
  const step = r.f64();
  const closedThrough = r.f64();
  const maxTime = r.f64();
  const open = Array.from({ length: count(r.i32()) }, () => {
    const start = r.f64();
    const samples = r.i32();
    const values = Array.from({ length: count(r.i32()) }, () => [r.i32(), r.f64()] as const);
    return { start, samples, values };
  });
  const counters = Array.from({ length: count(r.i32()) }, () => ({ key: r.str(), timestamp: r.f64(), value: r.f64() }));
  const length = count(r.i32());
  if (r.offset + length !== bytes.length) throw new Error(`detector checkpoint of ${bytes.length} bytes does not hold its ${length}-byte state`);
  const state = bytes.subarray(r.offset);
  return { entity, series, stepMs: Number.isFinite(step) ? step : undefined, alignment: { closedThrough, maxTime, open }, counters, state };
}

function count(n: number): number {
  if (!(n >= 0)) throw new Error(`detector checkpoint: bad count ${n}`);
  return n;
}
