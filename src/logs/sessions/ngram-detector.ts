import { KeyVocabulary, windowsOf } from './key-vocabulary.js';
import type { Session } from './session-file.js';

export interface NgramOptions {
  /** Keys of context before the predicted one (n-1 of an n-gram). */
  context: number;
  /** A key is normal when it is among the `topG` most frequent continuations of its context. */
  topG: number;
}

export const DEFAULT_NGRAM_OPTIONS: NgramOptions = { context: 2, topG: 9 };

/**
 * Counting baseline for the LSTM: next-key frequencies per context of the previous keys, learnt
 * from normal sessions. A session is anomalous when some key has an unseen context or is not
 * among the top-g continuations seen after it.
 */
export class NgramDetector {
  readonly options: NgramOptions;
  private readonly vocab: KeyVocabulary;
  private readonly allowed = new Map<string, Set<number>>();

  constructor(training: readonly Session[], options: Partial<NgramOptions> = {}) {
    this.options = { ...DEFAULT_NGRAM_OPTIONS, ...options };
    this.vocab = new KeyVocabulary(training);
    const counts = new Map<string, Map<number, number>>();
    for (const s of training) {
      for (const w of windowsOf(this.vocab.frame(s, this.options.context), this.options.context)) {
        const ctx = w.history.join(',');
        const c = counts.get(ctx) ?? counts.set(ctx, new Map()).get(ctx)!;
        c.set(w.next, (c.get(w.next) ?? 0) + 1);
      }
    }
    for (const [ctx, c] of counts) {
      const top = [...c].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, this.options.topG);
      this.allowed.set(ctx, new Set(top.map(([k]) => k)));
    }
  }

  isAnomalous(session: Session): boolean {
    for (const w of windowsOf(this.vocab.frame(session, this.options.context), this.options.context)) {
      if (w.next === KeyVocabulary.UNKNOWN || !this.allowed.get(w.history.join(','))?.has(w.next)) return true;
    }
    return false;
  }
}
