import { TemplateMiner } from '../mining/template-miner.js';
import type { MinerOptions } from '../mining/options.js';
import { groupingAccuracy } from './grouping-accuracy.js';
import { contentOf } from './loghub-formats.js';
import type { LoghubSystem } from './loghub-dataset.js';

/** Drain's published grouping accuracy on loghub-2k (Zhu et al., ICSE-SEIP 2019), for comparison. */
export const DRAIN_PUBLISHED: Readonly<Record<string, number>> = {
  HDFS: 0.998, Hadoop: 0.948, Spark: 0.92, Zookeeper: 0.967, OpenStack: 0.733, BGL: 0.963, HPC: 0.887,
  Thunderbird: 0.955, Windows: 0.997, Linux: 0.69, Mac: 0.787, Android: 0.911, HealthApp: 0.78,
  Apache: 1, OpenSSH: 0.788, Proxifier: 0.527,
};

export interface SystemResult {
  system: string;
  lines: number;
  truthTemplates: number;
  minedTemplates: number;
  /** Lines grouped by the model at the end of the stream (how Drain's benchmark scores). */
  groupingAccuracy: number;
  /** Lines grouped by the event key emitted when each line arrived. */
  onlineGroupingAccuracy: number;
  drainPublished?: number;
  millis: number;
}

export interface ParseEvalReport {
  systems: SystemResult[];
  meanAccuracy: number;
  minAccuracy: number;
  options: Omit<MinerOptions, 'maskPatterns' | 'valuePatterns'> & { maskPatterns: string[]; valuePatterns: string[] };
}

/** Mine each system with a fresh miner of the same configuration and score its grouping. */
export function evaluateParsing(systems: readonly LoghubSystem[], options: Partial<MinerOptions> = {}): ParseEvalReport {
  let resolved: MinerOptions | undefined;
  const results = systems.map((sys): SystemResult => {
    const started = performance.now();
    const miner = new TemplateMiner(options);
    resolved ??= miner.options;
    const contents = sys.lines.map((line) => contentOf(sys.name, line));
    const online = contents.map((c) => miner.add(c).eventKey);
    const final = contents.map((c) => miner.classify(c)?.eventKey ?? 'unmatched');
    return {
      system: sys.name,
      lines: sys.lines.length,
      truthTemplates: new Set(sys.eventIds).size,
      minedTemplates: miner.size,
      groupingAccuracy: groupingAccuracy(sys.eventIds, final),
      onlineGroupingAccuracy: groupingAccuracy(sys.eventIds, online),
      drainPublished: DRAIN_PUBLISHED[sys.name],
      millis: Math.round(performance.now() - started),
    };
  });
  const accs = results.map((r) => r.groupingAccuracy);
  const o = resolved ?? new TemplateMiner(options).options;
  return {
    systems: results,
    meanAccuracy: accs.reduce((a, b) => a + b, 0) / Math.max(1, accs.length),
    minAccuracy: Math.min(...accs),
    options: { ...o, maskPatterns: o.maskPatterns.map((p) => p.name), valuePatterns: o.valuePatterns.map((p) => p.name) },
  };
}
