import { reconstructionErrors, trainAutoencoders, type AutoencoderWeights, type WindowBatch } from './autoencoder.js';
import { adjustRiskScale, EntityState } from './entity-state.js';
import { resolveOptions, type DetectorOptions, type DetectorOverrides } from './options.js';
import { hashString } from '../../platform/random.js';
import type { Observation, ScoreResult } from './types.js';

/** Recent windows whose errors under a freshly trained model seed its error history. */
const REBASE_WINDOWS = 1000;

/** Running totals a service can export as Prometheus metrics. */
export interface DetectorStats {
  readonly entities: number;
  /** Entities scored by their autoencoder (the rest are still on the baseline). */
  readonly entitiesWithModel: number;
  readonly rowsScored: number;
  readonly anomalies: number;
  /** Models trained (each ensemble member counts). */
  readonly modelsTrained: number;
  readonly trainingSeconds: number;
}

export interface EntityScores {
  readonly entity: string;
  readonly results: readonly ScoreResult[];
}

/**
 * The streaming detector: rows are queued per entity with `observe`, and `scoreDue` scores
 * everything queued — for all entities at once, with one autoencoder call per input shape —
 * then trains the models that became due. The streaming service and the backtest both drive
 * exactly this pair of calls.
 */
export class Detector {
  readonly options: DetectorOptions;
  private readonly entities = new Map<string, EntityState>();
  private rowsScored = 0;
  private anomalies = 0;
  private modelsTrained = 0;
  private trainingSeconds = 0;
  private readonly trainedSince = new Set<string>();
  /**
   * Operator feedback per entity (alarm risk scale, 1 = none), kept apart from the entity's
   * state: feedback may arrive before the entity does (or while another process scores it),
   * and it outlives the state (dropped idle, replaced by `restoreModels`).
   */
  private readonly riskScales = new Map<string, number>();

  constructor(overrides: DetectorOverrides = {}) {
    this.options = resolveOptions(overrides);
  }

  observe(entity: string, observation: Observation): void {
    let state = this.entities.get(entity);
    if (!state) {
      state = this.newState(entity, observation.values.length);
      this.entities.set(entity, state);
    }
    if (observation.values.length !== state.metrics) {
      throw new Error(`entity ${entity}: expected ${state.metrics} metrics, got ${observation.values.length}`);
    }
    state.pending.push(observation);
  }

  /**
   * Rebuild an entity's state from its recent history (after a partition moved here): the rows
   * are scored and learned from, and the scores discarded. A few thousand rows give the tail
   * models their full depth; the autoencoder trains on the way, as it did the first time.
   */
  async replay(entity: string, history: readonly Observation[], chunkRows = 256): Promise<void> {
    for (let start = 0; start < history.length; start += chunkRows) {
      for (const observation of history.slice(start, start + chunkRows)) this.observe(entity, observation);
      await this.scoreDue([entity]);
    }
  }

  /** Entities with queued rows. */
  due(): string[] {
    return [...this.entities.values()].filter((s) => s.pending.length > 0).map((s) => s.id);
  }

  /**
   * Score the queued rows of the given entities (default: all with queued rows), training each
   * model when it falls due (cold start ended, retrain due) before the rows after that point are
   * scored. A service that wants training off its hot path passes `{ train: false }`: rows past a
   * due training then stay queued, and after `trainDue()` the next call scores them exactly as
   * the default would have.
   */
  async scoreDue(entities: readonly string[] = this.due(), options: { train?: boolean } = {}): Promise<EntityScores[]> {
    const train = options.train ?? true;
    const states = entities.map((id) => this.entities.get(id)).filter((s): s is EntityState => !!s && s.pending.length > 0);
    const results = new Map<EntityState, ScoreResult[]>(states.map((s) => [s, []]));
    // Rows past the point where an entity's training falls due wait for that training, so the
    // model that scores a row does not depend on how many rows arrived together (a restarted
    // consumer may hand over hours of an entity in one batch).
    for (let round = states; round.length > 0; ) {
      const later = new Map(round.map((s) => [s, s.pending.splice(s.rowsBeforeTraining())] as const));
      const errors = this.reconstruct(round);
      for (const s of round) {
        const scored = s.scorePending(errors.get(s));
        results.get(s)!.push(...scored);
        this.rowsScored += scored.length;
        this.anomalies += scored.filter((r) => r.isAnomaly).length;
      }
      for (const [s, rows] of later) s.pending.push(...rows);
      // Without training here, the rows past the due point stay queued for after `trainDue()`.
      if (!train) break;
      await this.train(round.filter((s) => s.needsTraining()));
      round = round.filter((s) => s.pending.length > 0);
    }
    return states.map((s) => ({ entity: s.id, results: results.get(s)! }));
  }

  /** Train every entity whose cold start ended or whose retrain is due. */
  async trainDue(): Promise<number> {
    const due = [...this.entities.values()].filter((s) => s.needsTraining());
    await this.train(due);
    return due.length;
  }

  stats(): DetectorStats {
    const states = [...this.entities.values()];
    return {
      entities: states.length,
      entitiesWithModel: states.filter((s) => s.models.length > 0).length,
      rowsScored: this.rowsScored,
      anomalies: this.anomalies,
      modelsTrained: this.modelsTrained,
      trainingSeconds: this.trainingSeconds,
    };
  }

  /**
   * Operator feedback on an entity's alarms (from aiops.feedback): adjusts its threshold now if
   * the entity has state here, and in any case from its next state on (an entity not seen yet,
   * or forgotten and met again, starts with it). Returns the entity's new risk scale.
   */
  feedback(entity: string, kind: 'false_positive' | 'missed_anomaly'): number {
    const scale = adjustRiskScale(this.riskScales.get(entity) ?? 1, kind, this.options);
    this.riskScales.set(entity, scale);
    this.entities.get(entity)?.setRiskScale(scale);
    return scale;
  }

  /** The entity's feedback adjustment of its alarm risk (1: none), whether or not it has state here. */
  riskScale(entity: string): number {
    return this.riskScales.get(entity) ?? 1;
  }

  /** Entities with a feedback adjustment. */
  adjustedEntities(): number {
    return this.riskScales.size;
  }

  /** Entities (re)trained since the last call: the ones whose models should be saved. */
  takeTrained(): string[] {
    const out = [...this.trainedSince];
    this.trainedSince.clear();
    return out;
  }

  /** The entity's trained models and normalisation, if it has any. */
  modelsOf(entity: string): { version: number; models: AutoencoderWeights[]; center: Float64Array; scale: Float64Array } | undefined {
    const s = this.entities.get(entity);
    if (!s || s.models.length === 0) return undefined;
    return { version: s.trainings, models: s.models, ...s.normalisation() };
  }

  /** Give an entity models trained before a restart; it must be new here, or be replaced. */
  restoreModels(entity: string, metrics: number, stored: { version: number; models: AutoencoderWeights[]; center: Float64Array; scale: Float64Array }): void {
    const state = this.newState(entity, metrics);
    state.restoreModels(stored.models, stored.center, stored.scale, stored.version);
    this.entities.set(entity, state);
  }

  /** The entity's current alarm level on the score scale, if it is known. */
  threshold(entity: string): number | undefined {
    return this.entities.get(entity)?.threshold();
  }

  /** How many times the entity's autoencoder has been (re)trained: 0 while it is on the baseline. */
  modelVersion(entity: string): number | undefined {
    return this.entities.get(entity)?.trainings;
  }

  /** Forget entities whose last row is older than `maxIdleMs` before `now`; returns their ids. */
  dropIdle(now: number, maxIdleMs: number): string[] {
    const idle = [...this.entities.values()].filter((s) => s.pending.length === 0 && now - s.lastTime > maxIdleMs).map((s) => s.id);
    idle.forEach((id) => this.entities.delete(id));
    return idle;
  }

  /** Forget an entity (its partition moved elsewhere, or it was retired). */
  drop(entity: string): void {
    this.entities.delete(entity);
  }

  private newState(entity: string, metrics: number): EntityState {
    const state = new EntityState(entity, metrics, this.options);
    const scale = this.riskScales.get(entity);
    if (scale !== undefined) state.setRiskScale(scale);
    return state;
  }

  private reconstruct(states: readonly EntityState[]): Map<EntityState, Map<number, Float32Array>> {
    const out = new Map<EntityState, Map<number, Float32Array>>();
    for (const group of groupByShape(states.filter((s) => s.models.length > 0))) {
      const inputs = group.map((s) => s.pendingWindows());
      const errors = ensembleErrors(group, (s) => inputs[group.indexOf(s)]!.batch);
      group.forEach((s, g) => {
        const d = s.inputSize;
        const perRow = new Map<number, Float32Array>();
        inputs[g]!.rows.forEach((row, k) => perRow.set(row, errors[g]!.subarray(k * d, (k + 1) * d)));
        out.set(s, perRow);
      });
    }
    return out;
  }

  private async train(states: readonly EntityState[]): Promise<void> {
    const ae = this.options.autoencoder;
    for (const group of groupByShape(states)) {
      const batches = new Map<EntityState, WindowBatch>(group.map((s) => [s, s.trainingWindows()]));
      const ready = group.filter((s) => batches.get(s)!.count > 0);
      if (ready.length === 0) continue;
      // Every member of every entity's ensemble trains in the same optimiser loop.
      const members = ready.flatMap((s) => Array.from({ length: ae.ensemble }, (_, k) => ({ s, k })));
      const started = performance.now();
      const models = await trainAutoencoders(
        members.map(({ s }) => batches.get(s)!),
        ready[0]!.inputSize,
        members.map(({ s, k }) => (hashString(s.id) ^ ae.seed) + s.trainings * ae.ensemble + k),
        { hidden: ae.hiddenUnits || Math.max(2, Math.ceil(ready[0]!.inputSize / 6)), epochs: ae.epochs, learningRate: ae.learningRate },
      );
      this.trainingSeconds += (performance.now() - started) / 1000;
      this.modelsTrained += models.length;
      ready.forEach((s, i) => {
        s.adoptModels(models.slice(i * ae.ensemble, (i + 1) * ae.ensemble));
        this.trainedSince.add(s.id);
      });
      // Training windows come newest first; the latest ones re-baseline the error history.
      const recent = (s: EntityState) => {
        const b = batches.get(s)!;
        return { windows: b.windows, count: Math.min(b.count, REBASE_WINDOWS) };
      };
      const errors = ensembleErrors(ready, recent);
      ready.forEach((s, i) => s.rebaseReconstruction(errors[i]!, recent(s).count));
    }
  }
}

/** One batched call over every ensemble member of every entity; errors averaged per entity. */
function ensembleErrors(states: readonly EntityState[], batchOf: (s: EntityState) => WindowBatch): Float32Array[] {
  const members = states.flatMap((s) => s.models.map((model) => ({ s, model })));
  const batches = new Map(states.map((s) => [s, batchOf(s)]));
  const errors = reconstructionErrors(
    members.map((m) => m.model),
    members.map((m) => batches.get(m.s)!),
  );
  let next = 0;
  return states.map((s) => {
    const size = batches.get(s)!.count * s.inputSize;
    const sum = new Float32Array(size);
    for (let k = 0; k < s.models.length; k++) {
      const e = errors[next++]!;
      for (let i = 0; i < size; i++) sum[i]! += e[i]! / s.models.length;
    }
    return sum;
  });
}

function groupByShape(states: readonly EntityState[]): EntityState[][] {
  const groups = new Map<number, EntityState[]>();
  for (const s of states) {
    const g = groups.get(s.inputSize) ?? [];
    g.push(s);
    groups.set(s.inputSize, g);
  }
  return [...groups.values()];
}
