import { createHash } from 'node:crypto';
import { messageId, derivedId } from '../platform/bus/message-id.js';
import { SerialQueue } from '../platform/serial-queue.js';
import type { Emit, InRecord } from '../platform/stage/types.js';
import { Detector, SCORER, SCORER_VERSION, type ScoreResult } from '../lib/anomaly/index.js';
import { logsMetrics as m } from './logs.metrics.js';
import { Masker } from './mining/masking.js';
import type { LogsServiceOptions } from './options.js';
import type { StepScore } from './sessions/deeplog-detector.js';
import { CountWindows, type CountWindow } from './service/count-windows.js';
import { SequenceScorer, type PendingStep } from './service/sequence-scorer.js';
import { sequenceOf } from './service/session-id.js';
import type { LstmStore } from './store/lstm-store.js';
import type { TemplateStore } from './store/template-store.js';
import { VersionedMiner } from './store/versioned-miner.js';
import type { FindingTemplate, LogAnomalyEvent, LogRecordValue } from './types.js';

/** Event texts kept for naming templates in findings (their keys are what the scorers see). */
const MAX_EVENT_TEXTS = 20_000;

interface Step {
  pending: PendingStep;
  record: InRecord<unknown> | undefined;
  entity: string;
  time: number;
  /** The masked line (for the finding's example). */
  masked?: string;
}

/**
 * The logs service's logic: telemetry.logs → mask → mine (versioned templates) → per sequence
 * (session or entity) the next-template LSTM, and per entity template-count windows scored by
 * the detector's code → aiops.anomalies. Only masked text leaves: findings carry template texts
 * built from masked lines, and session ids that masking would change are published hashed.
 * Batches are handled one at a time (state is shared across partitions).
 */
export class LogsService {
  miner: VersionedMiner;
  readonly sequences: SequenceScorer;
  readonly counts: CountWindows<InRecord<unknown>>;
  readonly detector: Detector;
  private readonly idMasker: Masker;
  private readonly eventTexts = new Map<string, string>();
  private readonly maskSeen = new Map<string, number>();
  private readonly queue = new SerialQueue();
  private store: TemplateStore | undefined;
  /** Model and template saves, one at a time in the background. */
  private readonly saves = new SerialQueue();
  private lastSave = 0;
  private lstmStore: LstmStore | undefined;
  private savedModelVersion = 0;
  private eventTime = -Infinity;
  private log: (line: string) => void;
  /** Running totals for tools and benches (the metrics carry the same). */
  readonly totals = { lines: 0, stepsScored: 0, windowsScored: 0, log_sequence: 0, log_counts: 0 };

  constructor(
    readonly options: LogsServiceOptions,
    log: (line: string) => void = () => {},
  ) {
    this.log = log;
    this.miner = new VersionedMiner(this.minerOptions());
    this.idMasker = new Masker(options.maskPatterns);
    this.sequences = new SequenceScorer(options.sequence, log);
    this.counts = new CountWindows(options.counts.windowMs, options.counts.slots);
    this.detector = new Detector({ warmupRows: options.counts.warmupWindows });
    for (const kind of ['log_sequence', 'log_counts']) m.anomalies.labels(kind).inc(0);
    // Every pattern's series exists from the first scrape, so a rate over it is 0, not absent.
    for (const p of [...options.maskPatterns, ...this.miner.miner.options.valuePatterns]) m.masked.labels(p.name).inc(0);
  }

  private minerOptions() {
    return { maxClusters: this.options.maxTemplates, maskPatterns: this.options.maskPatterns };
  }

  /** Reload the stored templates (if any); later saves go to the same store. Returns the version loaded. */
  async loadTemplates(store: TemplateStore): Promise<number | undefined> {
    this.store = store;
    const stored = await store.load();
    if (!stored) return undefined;
    this.miner = VersionedMiner.restore(stored, this.minerOptions());
    m.templates.set(this.miner.size);
    m.templateVersion.set(this.miner.version);
    return stored.version;
  }

  /** Take over the stored LSTM (if any, and if it fits); later models are saved there after each training. */
  async loadModel(store: LstmStore): Promise<number | undefined> {
    this.lstmStore = store;
    const { rule, topG, minProbability } = this.options.sequence;
    const stored = await store.load({ rule, topG, minProbability });
    if (!stored || !this.sequences.adopt(stored.detector, stored.version, stored.pairs)) return undefined;
    this.savedModelVersion = stored.version;
    return stored.version;
  }

  /** Store the model a training just produced (in the background, after the template saves before it). */
  private saveModel(): void {
    const store = this.lstmStore;
    const model = this.sequences.current;
    const version = this.sequences.version;
    if (!store || !model || version === this.savedModelVersion) return;
    this.savedModelVersion = version;
    // Read the weights now: a later training disposes this model when it replaces it.
    const exported = model.export();
    exported.catch(() => undefined);
    const pairs = this.sequences.currentPairs;
    void this.saves.run(() =>
      store.save(version, exported, pairs).then(
        () => void m.modelSaves.labels('ok').inc(),
        (err: Error) => {
          m.modelSaves.labels('error').inc();
          this.log(`model store: saving LSTM v${version} failed: ${err.message}`);
        },
      ),
    );
  }

  /** Saves run in the background, one at a time; this resolves when the last one landed. */
  whenSaved(): Promise<void> {
    return this.saves.idle();
  }

  /** Write the templates if their version moved; `final` (shutdown) also writes counts and recency. */
  saveTemplates(final = false): Promise<void> {
    const store = this.store;
    if (!store || !(this.miner.dirty || (final && this.miner.unsaved > 0))) return this.saves.idle();
    this.miner.dirty = false;
    this.miner.unsaved = 0;
    this.lastSave = Date.now();
    const version = this.miner.version;
    const snapshot = this.miner.miner.toJSON();
    return this.saves.run(() =>
      store.save(version, snapshot).then(
        () => void m.templateSaves.labels('ok').inc(),
        (err: Error) => {
          m.templateSaves.labels('error').inc();
          this.miner.dirty = true;
          this.log(`template store: saving version ${version} failed: ${err.message}`);
        },
      ),
    );
  }

  /** The StageHandler: findings to append before the batch is committed. */
  readonly handle = (records: InRecord<unknown>[]): Promise<Emit[]> => {
    return this.queue.run(() => this.processNow(records));
  };

  private async processNow(records: InRecord<unknown>[]): Promise<Emit[]> {
    const steps: Step[] = [];
    for (const record of records) {
      const v = record.value as LogRecordValue;
      const mined = this.miner.add(v.message);
      this.rememberEvent(mined.eventKey, mined.event);
      this.eventTime = Math.max(this.eventTime, v.timestamp);
      const seq = sequenceOf(v, this.options.session);
      const pending = this.sequences.observe(seq.id, seq.mode, mined.eventKey, v.timestamp);
      if (pending) steps.push({ pending, record, entity: v.entity, time: v.timestamp, masked: mined.masked });
      if (this.options.counts.enabled) this.counts.add(v.entity, v.timestamp, mined.eventKey, record);
    }
    m.lines.inc(records.length);
    this.totals.lines += records.length;
    for (const end of this.sequences.closeIdle(this.eventTime, this.options.sessionIdleMs, this.options.maxSessions)) {
      steps.push({ pending: end, record: undefined, entity: end.sequence.split('\u0000')[0]!, time: this.eventTime });
    }
    const out: Emit[] = [];
    const scores = await this.sequences.score(steps.map((s) => s.pending));
    if (scores) {
      this.totals.stepsScored += scores.length;
      steps.forEach((s, i) => this.sequenceFinding(s, scores[i]!, out));
    }
    if (this.options.counts.enabled) await this.scoreCounts(out);
    this.saveModel();
    if (this.sequences.maybeTrain()) m.trainings.inc();
    this.recordGauges();
    if (Date.now() - this.lastSave >= this.options.saveEveryMs) void this.saveTemplates();
    return out;
  }

  private sequenceFinding(step: Step, score: StepScore, out: Emit[]): void {
    if (!this.sequences.isAnomalous(step.pending, score) || !this.sequences.flag(step.pending.sequence)) return;
    const { pending } = step;
    const templates: FindingTemplate[] = [];
    const unexpected = pending.next;
    if (unexpected !== null) templates.push({ ...this.templateOf(unexpected), role: 'unexpected', probability: score.probability, ...(step.masked ? { example: step.masked.slice(0, 1024) } : {}) });
    const paired = pending.unseenPairWith;
    if (paired !== undefined) templates.push({ ...this.templateOf(paired), role: 'paired' });
    // Only the invariant broke when the LSTM itself found the line likely enough.
    const pairOnly = paired !== undefined && !score.unknown && !this.sequences.unlikely(score);
    const seen = new Set([unexpected, paired].filter((k): k is string => typeof k === 'string'));
    for (const key of [...pending.history].reverse()) {
      if (seen.has(key)) continue;
      seen.add(key);
      templates.push({ ...this.templateOf(key), role: 'history' });
    }
    const [entity, session] = pending.sequence.split('\u0000');
    const labels: Record<string, string> = {
      reason: unexpected === null ? 'unexpected_end' : score.unknown ? 'unknown_template' : pairOnly ? 'unseen_pair' : 'unlikely_next',
      rank: Number.isFinite(score.rank) ? String(score.rank) : 'unseen',
      ...(this.sequences.options.rule === 'top-g' ? { top_g: String(this.sequences.options.topG) } : { min_probability: String(this.sequences.options.minProbability) }),
      template_version: String(this.miner.version),
    };
    if (session !== undefined) labels.session = this.publicSessionId(session);
    const event: LogAnomalyEvent = {
      id: step.record ? derivedId(step.record, 'log_sequence') : messageId('log_sequence_end', pending.sequence, step.time),
      entity: entity!,
      timestamp: step.time,
      source: 'logs',
      // An invariant of every training session broke: no probability to report, so the full score.
      score: pairOnly ? 1 : clamp01(1 - score.probability),
      threshold: clamp01(this.sequences.threshold(score)),
      scorer: 'deeplog-lstm',
      model_version: `deeplog-v${this.sequences.version}`,
      kind: 'log_sequence',
      window: { start: step.time, end: step.time },
      labels,
      templates: templates.slice(0, 64),
    };
    m.anomalies.labels('log_sequence').inc();
    this.totals.log_sequence++;
    out.push({ topic: this.options.topics.anomalies, key: event.entity, value: event, id: event.id, source: step.record });
  }

  private async scoreCounts(out: Emit[]): Promise<void> {
    const windows = this.counts.drain();
    if (windows.length === 0) return;
    const byEntity = new Map<string, CountWindow<InRecord<unknown>>[]>();
    for (const w of windows) {
      this.detector.observe(w.entity, { time: w.start, values: w.values });
      let list = byEntity.get(w.entity);
      if (!list) byEntity.set(w.entity, (list = []));
      list.push(w);
    }
    this.totals.windowsScored += windows.length;
    for (const { entity, results } of this.detector.scoreDue([...byEntity.keys()])) {
      const list = byEntity.get(entity)!;
      results.forEach((r, i) => {
        if (r.score >= r.threshold) out.push(this.countFinding(list[i]!, r));
      });
    }
  }

  private countFinding(w: CountWindow<InRecord<unknown>>, r: ScoreResult): Emit {
    const templates: FindingTemplate[] = [];
    const ranked = r.contributions.map((share, i) => ({ share, i })).filter((c) => c.share > 0).sort((a, b) => b.share - a.share);
    for (const { share, i } of ranked) {
      const key = w.columns[i]!;
      if (i < 2 || key === '') continue;
      templates.push({ ...this.templateOf(key), role: 'count', count: w.values[i]!, share: clamp01(share) });
    }
    const top = ranked[0] ? w.columns[ranked[0].i]! : '';
    const event: LogAnomalyEvent = {
      id: messageId('log_counts', w.entity, w.start),
      entity: w.entity,
      timestamp: w.end,
      source: 'logs',
      score: clamp01(r.score),
      threshold: clamp01(r.threshold),
      scorer: `counts-${SCORER}`,
      model_version: `counts-${SCORER_VERSION}`,
      kind: 'log_counts',
      window: { start: w.start, end: w.end },
      labels: {
        lines: String(w.values[0]),
        other_templates: String(w.values[1]),
        top_column: top === 'lines' || top === 'other' || top === '' ? top : `template ${this.templateOf(top).id}`,
        p_value: r.pValue.toExponential(3),
        template_version: String(this.miner.version),
      },
      templates: templates.slice(0, 64),
    };
    m.anomalies.labels('log_counts').inc();
    this.totals.log_counts++;
    return { topic: this.options.topics.anomalies, key: event.entity, value: event, id: event.id, ...(w.ref ? { source: w.ref } : {}) };
  }

  private templateOf(key: string): { id: number; template: string } {
    return { id: Number.parseInt(key, 10), template: this.eventTexts.get(key) ?? this.miner.text(Number.parseInt(key, 10)) ?? '' };
  }

  private rememberEvent(key: string, text: string): void {
    this.eventTexts.delete(key);
    this.eventTexts.set(key, text);
    if (this.eventTexts.size > MAX_EVENT_TEXTS) this.eventTexts.delete(this.eventTexts.keys().next().value!);
  }

  /** A session id as published: as is when masking leaves it alone, else a short hash of it. */
  publicSessionId(session: string): string {
    if (this.idMasker.mask(session) === session) return session;
    return `sha256:${createHash('sha256').update(session).digest('hex').slice(0, 16)}`;
  }

  private recordGauges(): void {
    m.templates.set(this.miner.size);
    m.templateVersion.set(this.miner.version);
    m.sequences.set(this.sequences.openSequences);
    for (const [kind, n] of this.miner.miner.maskCounts) {
      const before = this.maskSeen.get(kind) ?? 0;
      if (n > before) m.masked.labels(kind).inc(n - before);
      this.maskSeen.set(kind, n);
    }
  }

  /** Let a training in flight finish (tests, shutdown), then free the models. */
  async close(): Promise<void> {
    await this.queue.idle();
    await this.sequences.whenTrained();
    this.saveModel();
    await this.saveTemplates(true);
    this.sequences.dispose();
  }
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 1;
}
