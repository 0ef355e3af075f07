import { breaksRule, DeepLogDetector, type StepScore } from '../sessions/deeplog-detector.js';
import { KeyPairs } from '../sessions/key-pairs.js';
import type { SequenceScorerOptions } from '../options.js';

/** One line to score: the keys before it in its sequence, and its own key (null: the session ended). */
export interface PendingStep {
  sequence: string;
  history: string[];
  next: string | null;
  /** A session's earlier template that `next` never occurred with in training (key-pair invariant). */
  unseenPairWith?: string;
}

interface SequenceState {
  /** session: closed after idle and scored to its end; entity: an endless stream cut into chunks for training. */
  mode: 'session' | 'entity';
  /** Keys of the open session (or the current entity chunk), kept for training. */
  keys: string[];
  /** The last h keys: what the next prediction is made from. */
  history: string[];
  /** Distinct keys of the session so far (sessions only): what a new key is paired with. */
  distinct: Set<string>;
  /** Something in this session/chunk was flagged: it is kept out of training. */
  flagged: boolean;
  /** Lines left during which an entity stream stays quiet after a finding. */
  quiet: number;
  /** Whether a session already produced its finding (one per session). */
  reported: boolean;
  lastTime: number;
}

/**
 * The DeepLog-style next-template scorer of the service. Cold start: nothing is scored until
 * `coldStartLines` lines in finished sessions (or entity chunks) are held; then an LSTM trains on
 * them in the background and scoring starts when it is ready. Every `retrainEveryLines` further
 * lines a new model trains on the most recent `trainLines` and replaces the old one when done.
 * Sessions or chunks that held a finding are not learned from. With each model come the template
 * pairs its training sessions held, and a session holding a pair never seen is flagged too.
 */
export class SequenceScorer {
  private readonly sequences = new Map<string, SequenceState>();
  private buffer: string[][] = [];
  private bufferLines = 0;
  private linesSinceTraining = 0;
  private model: DeepLogDetector | undefined;
  private pairs: KeyPairs | undefined;
  private training: Promise<void> | undefined;
  version = 0;
  trainings = 0;
  trainingMillis = 0;

  constructor(
    readonly options: SequenceScorerOptions,
    private readonly log: (line: string) => void = () => {},
  ) {}

  get ready(): boolean {
    return this.model !== undefined;
  }

  get openSequences(): number {
    return this.sequences.size;
  }

  /** The current model, to store after a training. */
  get current(): DeepLogDetector | undefined {
    return this.model;
  }

  /** The template pairs of the current model's training sessions (undefined for a stored model saved without them). */
  get currentPairs(): KeyPairs | undefined {
    return this.pairs;
  }

  /**
   * Take over a stored model (at start): scoring begins at once, and the next training comes
   * after `retrainEveryLines` instead of the cold start. A model with another history length
   * is refused.
   */
  adopt(model: DeepLogDetector, version: number, pairs?: KeyPairs): boolean {
    if (model.options.history !== this.options.history) {
      model.dispose();
      return false;
    }
    this.model?.dispose();
    this.model = model;
    this.pairs = pairs;
    this.version = version;
    return true;
  }

  /** Resolves when the training in flight (if any) is done. */
  whenTrained(): Promise<void> {
    return this.training ?? Promise.resolve();
  }

  /** Append a key to its sequence; returns the step to score once a model exists. */
  observe(sequence: string, mode: 'session' | 'entity', key: string, time: number): PendingStep | undefined {
    let s = this.sequences.get(sequence);
    if (!s) {
      s = { mode, keys: [], history: [], distinct: new Set(), flagged: false, quiet: 0, reported: false, lastTime: time };
      this.sequences.set(sequence, s);
    } else {
      // Map order is recency order: the least recently active sequence is first in line to close.
      this.sequences.delete(sequence);
      this.sequences.set(sequence, s);
    }
    const step: PendingStep | undefined = this.model ? { sequence, history: [...s.history], next: key } : undefined;
    if (mode === 'session' && !s.distinct.has(key)) {
      // An unknown key is the LSTM's finding already; here only known keys never seen together.
      const conflict = step && this.options.keyPairs ? this.pairs?.conflict(s.distinct, key) : undefined;
      if (conflict?.length === 2) step!.unseenPairWith = conflict[0];
      s.distinct.add(key);
    }
    s.keys.push(key);
    s.history.push(key);
    if (s.history.length > this.options.history) s.history.shift();
    s.lastTime = Math.max(s.lastTime, time);
    if (s.quiet > 0) s.quiet--;
    this.linesSinceTraining++;
    if (s.mode === 'entity' && s.keys.length >= this.options.chunkLines) {
      this.learn(s);
      s.keys = [];
      s.flagged = false;
    }
    return step;
  }

  /** Close sessions idle since before `now - idleMs`, and the oldest beyond `maxOpen`; returns their end steps. */
  closeIdle(now: number, idleMs: number, maxOpen: number): PendingStep[] {
    const out: PendingStep[] = [];
    for (const [id, s] of this.sequences) {
      const idle = s.mode === 'session' && s.lastTime < now - idleMs;
      if (!idle && this.sequences.size <= maxOpen) continue;
      if (s.mode === 'session') {
        if (this.model && !s.reported) out.push({ sequence: id, history: [...s.history], next: null });
        this.learn(s);
      }
      this.sequences.delete(id);
    }
    return out;
  }

  /** Scores for the steps (same order); undefined when no model is ready. */
  async score(steps: readonly PendingStep[]): Promise<StepScore[] | undefined> {
    const model = this.model;
    if (!model || steps.length === 0) return undefined;
    return model.scoreSteps(steps);
  }

  isAnomalous(step: PendingStep, score: StepScore): boolean {
    return score.unknown || this.unlikely(score) || step.unseenPairWith !== undefined;
  }

  /** The LSTM's own verdict on a known template, under the configured rule. */
  unlikely(score: StepScore): boolean {
    return breaksRule(score.rank, score.probability, this.options);
  }

  /** The score a line must reach (1 - probability) to be flagged: the g-th likeliest's, or the floor's. */
  threshold(score: StepScore): number {
    return 1 - (this.options.rule === 'top-g' ? score.gthProbability : this.options.minProbability);
  }

  /**
   * Record a finding on the step's sequence. Returns false when it should not be reported: the
   * session already was, or the entity stream is still quiet after its last finding.
   */
  flag(sequence: string): boolean {
    const s = this.sequences.get(sequence);
    if (!s) return true;
    s.flagged = true;
    if (s.mode === 'session') {
      if (s.reported) return false;
      s.reported = true;
      return true;
    }
    if (s.quiet > 0) return false;
    s.quiet = this.options.suppressLines;
    return true;
  }

  /** Start a training in the background when the cold start ends or a retrain is due. */
  maybeTrain(): boolean {
    if (this.training) return false;
    const o = this.options;
    const due = this.model ? this.linesSinceTraining >= o.retrainEveryLines : this.bufferLines >= o.coldStartLines;
    if (!due || this.buffer.length === 0) return false;
    const sessions = this.buffer.map((k) => [...k]);
    const lines = this.bufferLines;
    this.linesSinceTraining = 0;
    const pairs = new KeyPairs(sessions);
    const next = new DeepLogDetector({ history: o.history, topG: o.topG, rule: o.rule, minProbability: o.minProbability, epochs: o.epochs, minUpdates: o.minUpdates, units: o.units, layers: 1, members: 1 });
    const started = performance.now();
    this.training = next
      .train(sessions)
      .then(
        (summary) => {
          const old = this.model;
          this.model = next;
          this.pairs = pairs;
          old?.dispose();
          this.version++;
          this.trainings++;
          this.trainingMillis += performance.now() - started;
          this.log(`log LSTM v${this.version} trained on ${sessions.length} sequences (${lines} lines, ${summary.uniqueWindows} distinct windows) in ${summary.millis} ms, loss ${summary.finalLoss.toFixed(3)}`);
          // Codes include start, end and unknown markers: with g at or above the rest, every known template is "likely".
          const known = next.vocabularySize - 3;
          if (o.rule === 'top-g' && known + 1 <= o.topG) this.log(`log LSTM: only ${known} templates known and top-g is ${o.topG}: only unseen templates can be flagged until there are more (or LOGS_LSTM_TOP_G is lowered)`);
        },
        (err: Error) => {
          next.dispose();
          this.log(`log LSTM training failed: ${err.message}`);
        },
      )
      .finally(() => {
        this.training = undefined;
      });
    return true;
  }

  /** Training data: the sequence's keys, unless something in it was flagged. */
  private learn(s: SequenceState): void {
    if (s.flagged || s.keys.length === 0) return;
    this.buffer.push(s.keys);
    this.bufferLines += s.keys.length;
    while (this.bufferLines > this.options.trainLines && this.buffer.length > 1) this.bufferLines -= this.buffer.shift()!.length;
  }

  dispose(): void {
    this.model?.dispose();
    this.model = undefined;
  }
}
