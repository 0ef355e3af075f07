import { tf } from '../../platform/ml/backend.js';
import { KeyVocabulary, windowsOf } from './key-vocabulary.js';
import { distinctWindows, holdOut, oneHotHistory, weightedLoss, windowId, windowTensors, type WindowTensors } from './training-windows.js';
import type { Session } from './session-file.js';
import { permutation, seededRandom } from '../../platform/random.js';

export interface DeepLogOptions {
  /** h: keys of history the LSTM sees. */
  history: number;
  /** g: under the top-g rule (DeepLog's) a key is normal when it is among the g most likely next keys. */
  topG: number;
  /**
   * Under the probability rule a key is normal when the model gives it at least this probability.
   * Ranks mix in class frequency (a frequent key outranks rare ones even where it never occurs,
   * such as a session ending right after its block was allocated); probabilities do not.
   */
  minProbability: number;
  /**
   * LSTMs trained from different seeds whose predictions are averaged: one model's verdict on a
   * context it never saw end (or continue) can swing with its initialisation; the average less.
   */
  members: number;
  /** Which rule `detect` applies. */
  rule: 'top-g' | 'probability';
  /** Units per LSTM layer, and the number of layers (DeepLog: 64 and 2). */
  units: number;
  layers: number;
  epochs: number;
  /**
   * At least this many gradient updates, adding epochs when the data is small (a service's
   * first model may see a dozen distinct windows: one batch an epoch). 0 leaves `epochs` as is.
   */
  minUpdates: number;
  batchSize: number;
  /** Adam's rate at the first epoch; it decays geometrically to a tenth of this by the last. */
  learningRate: number;
  seed: number;
  /**
   * How much a distinct window counts: `count` (as often as it occurred: the plain DeepLog
   * objective), `log` (1 + ln count: rare but normal paths still shape the ranking) or `sqrt`
   * (in between: frequent contexts stay confident).
   */
  weighting: 'count' | 'sqrt' | 'log';
  /**
   * Share of the training sessions held out (seeded) to pick the epoch: the weights of the epoch
   * with the lowest loss on the held-out windows the rest lacks are kept. 0 trains on everything
   * and keeps the last epoch.
   */
  validationFraction: number;
}

export const DEFAULT_DEEPLOG_OPTIONS: DeepLogOptions = {
  history: 10,
  topG: 9,
  minProbability: 0.001,
  rule: 'probability',
  members: 1,
  units: 64,
  layers: 1,
  epochs: 30,
  minUpdates: 0,
  batchSize: 64,
  learningRate: 0.01,
  seed: 42,
  weighting: 'sqrt',
  // 0.1 put seeds 42, 7 and 1 at >= 0.95 on HDFS but seed 2 at 0.925 (base 0.952): not a
  // reliable gain, so everything is trained on (README, sessions-eval).
  validationFraction: 0,
};

export interface SessionScore {
  worstRank: number;
  minProb: number;
}

/** A trained detector as data (see `DeepLogDetector.export`). */
export interface DeepLogExport {
  keys: string[];
  options: DeepLogOptions;
  specs: tf.io.WeightsManifestEntry[];
  weights: Uint8Array;
}

/** One streamed step: its rank among the predictions (0 = most likely) and probabilities. */
export interface StepScore {
  rank: number;
  probability: number;
  /** Probability of the g-th most likely key: under the top-g rule, anything less likely is anomalous. */
  gthProbability: number;
  /** The key was never seen in training. */
  unknown: boolean;
}

export interface TrainingSummary {
  windows: number;
  uniqueWindows: number;
  epochs: number;
  finalLoss: number;
  millis: number;
  /** With held-out sessions: the epoch kept and its loss on their novel windows (per window, unweighted). */
  bestEpoch?: number;
  validationLoss?: number;
}

/**
 * DeepLog (Du et al., CCS 2017): an LSTM learns the next log key from the previous h keys on
 * normal sessions; at test time a key outside the top-g predictions makes its session anomalous.
 * Normal sessions repeat a handful of paths, so training runs on the distinct windows weighted by
 * how often each occurs — the same objective as every window, at a fraction of the cost.
 */
export class DeepLogDetector {
  readonly options: DeepLogOptions;
  private vocab?: KeyVocabulary;
  private models: tf.LayersModel[] = [];
  /** Next-key probabilities per history, filled as test windows are first seen. */
  private readonly probCache = new Map<string, Float32Array>();

  constructor(options: Partial<DeepLogOptions> = {}) {
    this.options = { ...DEFAULT_DEEPLOG_OPTIONS, ...options };
  }

  async train(sessions: readonly Session[], log: (msg: string) => void = () => {}): Promise<TrainingSummary> {
    const started = performance.now();
    const o = this.options;
    const vocab = (this.vocab = new KeyVocabulary(sessions));
    const { fit: fitSessions, held } = holdOut(sessions, o.validationFraction, o.seed);
    let rows = distinctWindows(fitSessions, vocab, o.history);
    // Only held-out windows the fitted sessions lack: seen ones are learned anyway, and the floor
    // acts on unseen ones (a normal session is flagged when a novel window looks impossible).
    // Each counts as often as it occurs: the plain per-window likelihood.
    const fitted = new Set(rows.map((r) => windowId(r.w)));
    const novel = distinctWindows(held, vocab, o.history).filter((r) => !fitted.has(windowId(r.w)));
    // Nothing to judge by (small or repetitive data): train on every session, keep the last epoch.
    if (novel.length === 0 && held.length > 0) rows = distinctWindows(sessions, vocab, o.history);
    const total = rows.reduce((n, r) => n + r.n, 0);
    this.dispose();
    const data = windowTensors(rows, o.history, (n) => windowWeight(n, o.weighting));
    const validation = novel.length > 0 ? windowTensors(novel, o.history, (n) => n) : undefined;
    let finalLoss = 0;
    let best: { epoch: number; loss: number } | undefined;
    const epochs = Math.max(o.epochs, Math.ceil(o.minUpdates / Math.ceil(rows.length / o.batchSize)));
    try {
      for (let m = 0; m < o.members; m++) {
        const model = buildModel(vocab.size, o.seed + 1000 * m, o);
        this.models.push(model);
        const member = o.members > 1 ? ` member ${m + 1}/${o.members}` : '';
        const result = await this.fit(model, o.seed + m, epochs, data, validation, vocab.size, (msg) => log(msg + member));
        finalLoss += result.loss / o.members;
        best = result.best;
      }
    } finally {
      for (const t of [...Object.values(data), ...Object.values(validation ?? {})]) t.dispose();
    }
    this.probCache.clear();
    return {
      windows: total,
      uniqueWindows: rows.length,
      epochs,
      finalLoss,
      millis: Math.round(performance.now() - started),
      ...(best ? { bestEpoch: best.epoch, validationLoss: best.loss } : {}),
    };
  }

  /**
   * Train one model on the weighted windows; returns its last epoch's weighted loss and, with
   * held-out windows, the best epoch, whose weights the model ends with.
   */
  private async fit(model: tf.LayersModel, seed: number, epochs: number, data: WindowTensors, validation: WindowTensors | undefined, vocabSize: number, log: (msg: string) => void): Promise<{ loss: number; best?: { epoch: number; loss: number } }> {
    const o = this.options;
    const { xs, ys, ws } = data;
    const optimizer = new DecayingAdam(o.learningRate);
    const random = seededRandom(seed);
    const n = xs.shape[0];
    let finalLoss = Number.NaN;
    let best: { epoch: number; loss: number; weights: tf.Tensor[] } | undefined;
    try {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        optimizer.setRate(o.learningRate * 0.1 ** ((epoch - 1) / Math.max(1, epochs - 1)));
        const order = Array.from(permutation(n, random));
        let lossSum = 0;
        let weightSum = 0;
        for (let at = 0; at < n; at += o.batchSize) {
          const idx = tf.tensor1d(order.slice(at, at + o.batchSize), 'int32');
          const loss = tf.tidy(() => {
            const x = oneHotHistory(tf.gather(xs, idx), vocabSize);
            const y = tf.oneHot(tf.gather(ys, idx), vocabSize);
            const w = tf.gather(ws, idx);
            const batchWeight = tf.sum(w);
            // Weighted mean cross-entropy of the batch.
            const cost = optimizer.minimize(() => {
              const logits = model.apply(x, { training: true }) as tf.Tensor;
              return tf.div(tf.losses.softmaxCrossEntropy(y, logits, w, undefined, tf.Reduction.SUM), batchWeight) as tf.Scalar;
            }, true)!;
            return tf.stack([tf.mul(cost, batchWeight), batchWeight]);
          });
          const [l, wsum] = await loss.data();
          loss.dispose();
          idx.dispose();
          lossSum += l!;
          weightSum += wsum!;
        }
        finalLoss = lossSum / weightSum;
        const held = validation ? await weightedLoss(model, validation, vocabSize) : undefined;
        if (held !== undefined && (!best || held < best.loss)) {
          for (const t of best?.weights ?? []) t.dispose();
          best = { epoch, loss: held, weights: model.getWeights().map((t) => t.clone()) };
        }
        const heldText = held === undefined ? '' : ` held-out ${held.toFixed(4)}`;
        if (epoch === 1 || epoch % 5 === 0 || epoch === epochs || held !== undefined) log(`deeplog epoch ${epoch}/${epochs} loss ${finalLoss.toFixed(4)}${heldText}`);
      }
      if (best) model.setWeights(best.weights);
    } finally {
      optimizer.dispose();
      for (const t of best?.weights ?? []) t.dispose();
    }
    return { loss: finalLoss, ...(best ? { best: { epoch: best.epoch, loss: best.loss } } : {}) };
  }

  /** Flag each session: some key is unknown or outside the top-g predictions for its history. */
  async detect(sessions: readonly Session[]): Promise<boolean[]> {
    return (await this.scoreSessions(sessions)).map((sc) => this.isAnomalous(sc));
  }

  isAnomalous(score: SessionScore, rule = this.options.rule): boolean {
    return breaksRule(score.worstRank, score.minProb, { ...this.options, rule });
  }

  /**
   * Per session, the worst rank (0 = most likely) and the lowest probability the model gave to
   * one of its actual keys; Infinity / 0 when a key was never seen in training. `detect` flags
   * ranks >= g, so one pass serves every g. Histories are predicted once each, in batches.
   */
  async scoreSessions(sessions: readonly Session[]): Promise<SessionScore[]> {
    const { vocab } = this.ready();
    const h = this.options.history;
    const framed = sessions.map((s) => windowsOf(vocab.frame(s, h), h));
    const pending = new Map<string, number[]>();
    for (const windows of framed) {
      for (const w of windows) {
        const key = w.history.join(',');
        if (!this.probCache.has(key)) pending.set(key, w.history);
      }
    }
    await this.predictInto(pending);
    return framed.map((windows) => {
      let worstRank = 0;
      let minProb = 1;
      for (const w of windows) {
        if (w.next === KeyVocabulary.UNKNOWN) return { worstRank: Number.POSITIVE_INFINITY, minProb: 0 };
        const p = this.probCache.get(w.history.join(','))!;
        const mine = p[w.next]!;
        // Rank = how many codes the model found more likely than the actual one.
        let rank = 0;
        for (const q of p) if (q > mine) rank++;
        worstRank = Math.max(worstRank, rank);
        minProb = Math.min(minProb, mine);
      }
      return { worstRank, minProb };
    });
  }

  /** The trained model as plain data: its keys, options and weights (tf.io encoding), to store and restore. */
  async export(): Promise<DeepLogExport> {
    const { vocab, models } = this.ready();
    const named = models.flatMap((m, i) => m.getWeights().map((t, j) => ({ name: `m${i}/w${j}`, tensor: t })));
    const { data, specs } = await tf.io.encodeWeights(named);
    return { keys: vocab.keys(), options: this.options, specs, weights: new Uint8Array(data) };
  }

  /** A detector ready to score, rebuilt from `export()` (the scoring rule may differ); refuses weights that do not fit its shape. */
  static restore(stored: DeepLogExport, rule: Partial<Pick<DeepLogOptions, 'topG' | 'minProbability' | 'rule'>> = {}): DeepLogDetector {
    const d = new DeepLogDetector({ ...stored.options, ...rule });
    const vocab = new KeyVocabulary([stored.keys]);
    const bytes = stored.weights;
    const tensors = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, stored.specs);
    try {
      for (let m = 0; m < d.options.members; m++) {
        const model = buildModel(vocab.size, d.options.seed + 1000 * m, d.options);
        const expected = model.getWeights();
        const weights = expected.map((w, j) => {
          const t = tensors[`m${m}/w${j}`];
          if (!t || t.shape.join() !== w.shape.join()) throw new Error(`stored LSTM weights do not fit: m${m}/w${j}`);
          return t;
        });
        model.setWeights(weights);
        d.models.push(model);
      }
    } catch (err) {
      d.dispose();
      throw err;
    } finally {
      for (const t of Object.values(tensors)) t.dispose();
    }
    d.vocab = vocab;
    return d;
  }

  /** Codes the model predicts over: the known keys plus start, end and unknown markers. */
  get vocabularySize(): number {
    return this.ready().vocab.size;
  }

  /** Whether the model has seen this key in training (an unseen key is anomalous outright). */
  knows(key: string): boolean {
    return this.ready().vocab.code(key) !== KeyVocabulary.UNKNOWN;
  }

  /** Predicts the next-key distribution of each pending history (by its key) into the cache, 4,096 at a time. */
  private async predictInto(pending: ReadonlyMap<string, number[]>): Promise<void> {
    const { vocab, models } = this.ready();
    const h = this.options.history;
    const histories = [...pending.entries()];
    for (let at = 0; at < histories.length; at += 4096) {
      const chunk = histories.slice(at, at + 4096);
      const probs = tf.tidy(() => {
        const x = oneHotHistory(tf.tensor2d(chunk.map(([, hist]) => hist), [chunk.length, h], 'int32'), vocab.size);
        // Members vote by averaging their next-key distributions.
        return tf.mean(tf.stack(models.map((m) => tf.softmax(m.predict(x) as tf.Tensor))), 0);
      });
      const flat = (await probs.data()) as Float32Array;
      probs.dispose();
      chunk.forEach(([key], i) => this.probCache.set(key, flat.slice(i * vocab.size, (i + 1) * vocab.size)));
    }
  }

  /**
   * Streaming form of `scoreSessions`: one prediction per step, from the keys before it (fewer
   * than h are padded with start markers, as a session's first keys are). `next: null` scores the
   * end of a session. The cache of predicted histories is bounded: it is cleared when full.
   */
  async scoreSteps(steps: ReadonlyArray<{ history: readonly string[]; next: string | null }>): Promise<StepScore[]> {
    const { vocab } = this.ready();
    const h = this.options.history;
    const coded = steps.map((s) => {
      const codes = s.history.slice(-h).map((k) => vocab.code(k));
      return { history: [...new Array<number>(h - codes.length).fill(KeyVocabulary.START), ...codes], next: s.next === null ? KeyVocabulary.END : vocab.code(s.next) };
    });
    if (this.probCache.size > 50_000) this.probCache.clear();
    const pending = new Map<string, number[]>();
    for (const c of coded) {
      const key = c.history.join(',');
      if (!this.probCache.has(key)) pending.set(key, c.history);
    }
    await this.predictInto(pending);
    const g = this.options.topG;
    return coded.map((c) => {
      const p = this.probCache.get(c.history.join(','))!;
      const sorted = Array.from(p).sort((a, b) => b - a);
      const gth = sorted[Math.min(g, sorted.length) - 1] ?? 0;
      if (c.next === KeyVocabulary.UNKNOWN) return { rank: Number.POSITIVE_INFINITY, probability: 0, gthProbability: gth, unknown: true };
      const mine = p[c.next]!;
      let rank = 0;
      for (const q of p) if (q > mine) rank++;
      return { rank, probability: mine, gthProbability: gth, unknown: false };
    });
  }

  dispose(): void {
    for (const m of this.models) m.dispose();
    this.models = [];
  }

  private ready(): { vocab: KeyVocabulary; models: tf.LayersModel[] } {
    if (!this.vocab || this.models.length === 0) throw new Error('DeepLogDetector: train() first');
    return { vocab: this.vocab, models: this.models };
  }
}

/**
 * Whether a key the model knows, ranked `rank` (0 = most likely) with `probability`, is anomalous
 * under the rule: outside the top g, or below the floor. Sessions (their worst step) and the
 * service's streamed steps are judged by this one rule.
 */
export function breaksRule(rank: number, probability: number, o: Pick<DeepLogOptions, 'rule' | 'topG' | 'minProbability'>): boolean {
  return o.rule === 'top-g' ? rank >= o.topG : probability < o.minProbability;
}

function buildModel(vocabSize: number, baseSeed: number, o: DeepLogOptions): tf.LayersModel {
  const seed = (k: number) => baseSeed + k;
  const model = tf.sequential();
  for (let i = 0; i < o.layers; i++) {
    model.add(
      tf.layers.lstm({
        units: o.units,
        returnSequences: i < o.layers - 1,
        ...(i === 0 ? { inputShape: [o.history, vocabSize] } : {}),
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed(10 + i) }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: seed(20 + i) }),
      }),
    );
  }
  // Logits: the softmax lives in the loss, and top-g ranking does not need it.
  model.add(tf.layers.dense({ units: vocabSize, kernelInitializer: tf.initializers.glorotUniform({ seed: seed(30) }) }));
  return model;
}

function windowWeight(count: number, weighting: DeepLogOptions['weighting']): number {
  if (weighting === 'count') return count;
  return weighting === 'sqrt' ? Math.sqrt(count) : 1 + Math.log(count);
}

/** Adam whose rate can be lowered between epochs: large steps first, fine ones at the end. */
class DecayingAdam extends tf.AdamOptimizer {
  constructor(rate: number) {
    super(rate, 0.9, 0.999);
  }

  setRate(rate: number): void {
    this.learningRate = rate;
  }
}
