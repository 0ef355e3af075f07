import { Recommender } from '../model/recommender.js';
import type { RecommenderOptions } from '../model/options.js';
import type { Interaction } from '../types.js';

export interface PrequentialOptions {
  data: readonly Interaction[];
  /** Share of the stream (latest events) replayed and scored; the rest trains the first fit. */
  testRatio: number;
  k: number;
  /** Refit (blocking, as a background refit would finish) every this many replayed events; 0 = never. */
  refitEvery: number;
  /** Model settings; fold-in is off unless asked for (it costs O(items²) per event). */
  model?: Partial<RecommenderOptions>;
  /** Never add the replayed events: a model trained once, as a nightly batch job would serve. */
  frozen?: boolean;
}

export interface PrequentialReport {
  events: number;
  /** Share of replayed events whose item was in the user's top k just before the event. */
  hit_rate_at_k: number;
  /** The same for the most-popular ranking at that moment. */
  baseline_hit_rate_at_k: number;
  /** Replayed events from users the recommender had no history for at that moment (popularity). */
  cold_events: number;
}

/**
 * Test-then-train over a time-ordered stream, the way the service meets it: fit on the early
 * part, then for each later event ask for the user's top k, score a hit if the event's item is
 * in it, and only then add the event. Measures how well recommendations follow a user's latest
 * interactions, which a static hold-out cannot.
 */
export function prequential(options: PrequentialOptions): PrequentialReport {
  const { data, testRatio, k, refitEvery } = options;
  if (!(testRatio > 0 && testRatio < 1)) throw new RangeError(`testRatio must be in (0, 1), got ${testRatio}`);
  const stream = [...data].sort((a, b) => a.timestamp - b.timestamp);
  const cut = Math.round(stream.length * (1 - testRatio));
  const rec = new Recommender({ foldIn: false, ...options.model, refitEvery: 0 });
  rec.addAll(stream.slice(0, cut));
  rec.fit();
  const seenUsers = new Set(stream.slice(0, cut).map((e) => e.user));
  let hits = 0;
  let baselineHits = 0;
  let cold = 0;
  let sinceFit = 0;
  for (const e of stream.slice(cut)) {
    if (!seenUsers.has(e.user)) cold++;
    if (rec.recommend(e.user, k).some((r) => r.item === e.item)) hits++;
    if (rec.popular(k, e.user).some((r) => r.item === e.item)) baselineHits++;
    if (options.frozen) continue;
    rec.add(e);
    seenUsers.add(e.user);
    if (refitEvery > 0 && ++sinceFit >= refitEvery) {
      rec.fit();
      sinceFit = 0;
    }
  }
  const n = stream.length - cut;
  return { events: n, hit_rate_at_k: hits / n, baseline_hit_rate_at_k: baselineHits / n, cold_events: cold };
}
