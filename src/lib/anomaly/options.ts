/**
 * Settings of the streaming detector. One configuration serves every entity; the values marked
 * "chosen on data" were picked by looking at NAB scores (see src/detector/README.md, where each
 * one's effect is reported), the others are structural.
 */
export interface DetectorOptions {
  /** Rows an entity must have seen before it may alarm. */
  warmupRows: number;
  /** Tail probability below which a row is an alarm (the entity's alarm level; feedback scales it). */
  alarmRisk: number;
  /** Tail probability below which a row starts a suppression period (at or above alarmRisk). */
  suppressRisk: number;
  /** Rows after such a row whose scores are damped, so one incident raises one alarm. */
  suppressRows: number;
  /** Factor applied to scores inside the suppression period. */
  suppressFactor: number;
  /** Rows averaged by the shift statistic (chosen on data). */
  shiftRows: number;
  /** A value beyond the series' all-time range by more than this fraction of it is a record (chosen on data). */
  recordTolerance: number;
  /** A statistic rarer than this is learned only up to the value at this rarity (chosen on data, see the README). */
  learnRisk: number;
  /** Rarities (below learnRisk) seen in more than this many separate episodes, a day apart, are learned in full (0: always clipped; chosen on data, see the README). */
  learnRepeats: number;
  /** Hours the day-and-week track, once it reports, shares the say with the daily one, the less surprised speaking (0: it takes over at once; chosen on data, see the README). */
  handoverHours: number;
  /** Values of a statistic before its tail model reports any evidence. */
  minValues: number;
  /** Fraction of a statistic's history treated as peaks for the tail fit. */
  tailFraction: number;
  /** History of each statistic: blocks × blockRows values, the `keep` largest of each block kept. */
  tailBlocks: number;
  tailBlockRows: number;
  tailKeep: number;
  /** Exact histories instead of the sketch (4,000 float32 values a statistic): only to measure what the sketch costs. */
  exactTails: boolean;
  /** Seasonal references: past cycles remembered, bins per day and per week at most. */
  seasonCycles: number;
  dayBins: number;
  weekBins: number;
  /** Recent values whose median is the reference until the seasonal one is ready. */
  recentRows: number;
}

export const DEFAULT_OPTIONS: DetectorOptions = {
  warmupRows: 150,
  alarmRisk: 1e-4,
  suppressRisk: 3e-3,
  suppressRows: 300,
  suppressFactor: 0.25,
  shiftRows: 12,
  recordTolerance: 0.02,
  learnRisk: 1e-3,
  learnRepeats: 1,
  handoverHours: 12,
  minValues: 100,
  tailFraction: 0.02,
  tailBlocks: 16,
  tailBlockRows: 250,
  tailKeep: 48,
  exactTails: false,
  seasonCycles: 4,
  dayBins: 144,
  weekBins: 168,
  recentRows: 128,
};

export type DetectorOverrides = Partial<DetectorOptions>;

/** Defaults overridden by whatever the caller passes, validated. */
export function resolveOptions(overrides: DetectorOverrides = {}): DetectorOptions {
  const o: DetectorOptions = { ...DEFAULT_OPTIONS, ...overrides };
  for (const key of ['alarmRisk', 'suppressRisk', 'learnRisk', 'tailFraction'] as const) {
    if (!(o[key] > 0 && o[key] < 1)) throw new Error(`${key} must be in (0, 1), got ${o[key]}`);
  }
  if (!(o.suppressFactor >= 0 && o.suppressFactor <= 1)) throw new Error('suppressFactor must be in [0, 1]');
  if (!(o.recordTolerance >= 0)) throw new Error('recordTolerance must be at least 0');
  for (const key of ['shiftRows', 'minValues', 'tailBlocks', 'tailBlockRows', 'tailKeep', 'seasonCycles', 'dayBins', 'weekBins', 'recentRows'] as const) {
    if (!(Number.isInteger(o[key]) && o[key] >= 1)) throw new Error(`${key} must be a positive integer, got ${o[key]}`);
  }
  if (o.minValues < 4) throw new Error('minValues must be at least 4');
  if (!(Number.isInteger(o.learnRepeats) && o.learnRepeats >= 0)) throw new Error(`learnRepeats must be a non-negative integer, got ${o.learnRepeats}`);
  if (!(Number.isFinite(o.handoverHours) && o.handoverHours >= 0)) throw new Error(`handoverHours must be at least 0, got ${o.handoverHours}`);
  if (!(o.warmupRows >= 0)) throw new Error('warmupRows must be at least 0');
  if (!(o.suppressRows >= 0)) throw new Error('suppressRows must be at least 0');
  return o;
}
