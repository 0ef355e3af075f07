import { adjustRiskScale, EntityState, snapshotHeader } from './entity-state.js';
import { resolveOptions, type DetectorOptions, type DetectorOverrides } from './options.js';
import type { Observation, ScoreResult } from './types.js';

/** Running totals a service can export as Prometheus metrics. */
export interface DetectorStats {
  readonly entities: number;
  readonly series: number;
  readonly rowsScored: number;
  readonly anomalies: number;
}

export interface EntityScores {
  readonly entity: string;
  readonly results: readonly ScoreResult[];
}

/**
 * The streaming detector: rows are queued per entity with `observe`, and `scoreDue` scores
 * everything queued, in order, entity by entity. The streaming service and the backtest both
 * drive exactly this pair of calls, so they give the same scores; each entity's state is a few
 * KB per series and can be saved (`snapshot`) and taken over by another process (`restore`).
 */
export class Detector {
  readonly options: DetectorOptions;
  private readonly entities = new Map<string, EntityState>();
  private rowsScored = 0;
  private anomalies = 0;
  /**
   * Operator feedback per entity (alarm risk scale, 1 = none), kept apart from the entity's
   * state: feedback may arrive before the entity does (or while another process scores it),
   * and it outlives the state (dropped idle, moved to another process).
   */
  private readonly riskScales = new Map<string, number>();
  /** Scratch space for seasonal medians, shared by every series (scoring is single-threaded). */
  private readonly scratch: Float64Array;

  constructor(overrides: DetectorOverrides = {}) {
    this.options = resolveOptions(overrides);
    this.scratch = new Float64Array(3 * this.options.seasonCycles);
  }

  observe(entity: string, observation: Observation): void {
    let state = this.entities.get(entity);
    if (!state) {
      state = this.newState(entity, observation.values.length);
      this.entities.set(entity, state);
    }
    if (observation.values.length !== state.metrics) {
      throw new Error(`entity ${entity}: expected ${state.metrics} series, got ${observation.values.length}`);
    }
    state.pending.push(observation);
  }

  /** Entities with queued rows. */
  due(): string[] {
    return [...this.entities.values()].filter((s) => s.pending.length > 0).map((s) => s.id);
  }

  /** Score the queued rows of the given entities (default: all with queued rows). */
  scoreDue(entities: readonly string[] = this.due()): EntityScores[] {
    const out: EntityScores[] = [];
    for (const id of entities) {
      const state = this.entities.get(id);
      if (!state || state.pending.length === 0) continue;
      const results = state.scorePending();
      this.rowsScored += results.length;
      for (const r of results) if (r.isAnomaly) this.anomalies++;
      out.push({ entity: id, results });
    }
    return out;
  }

  stats(): DetectorStats {
    let series = 0;
    for (const s of this.entities.values()) series += s.metrics;
    return { entities: this.entities.size, series, rowsScored: this.rowsScored, anomalies: this.anomalies };
  }

  /** The ids of the entities with state here. */
  entityIds(): string[] {
    return [...this.entities.keys()];
  }

  has(entity: string): boolean {
    return this.entities.has(entity);
  }

  /** Series count of an entity, if it has state here. */
  seriesOf(entity: string): number | undefined {
    return this.entities.get(entity)?.metrics;
  }

  /**
   * Operator feedback on an entity's alarms (from aiops.feedback): adjusts its threshold now if
   * the entity has state here, and in any case from its next state on. Returns the new scale.
   */
  feedback(entity: string, kind: 'false_positive' | 'missed_anomaly'): number {
    const scale = adjustRiskScale(this.riskScales.get(entity) ?? 1, kind, this.options);
    this.riskScales.set(entity, scale);
    this.entities.get(entity)?.setRiskScale(scale);
    return scale;
  }

  /** The entity's feedback adjustment of its alarm risk (1: none), whether or not it has state here. */
  riskScale(entity: string): number {
    return this.riskScales.get(entity) ?? this.entities.get(entity)?.risk ?? 1;
  }

  /** Entities with a feedback adjustment. */
  adjustedEntities(): number {
    return this.riskScales.size;
  }

  /** The entity's current alarm level on the score scale, if it has state here. */
  threshold(entity: string): number | undefined {
    return this.entities.get(entity)?.threshold();
  }

  /** Rows the entity has had scored, if it has state here. */
  rowsOf(entity: string): number | undefined {
    return this.entities.get(entity)?.rows;
  }

  /** Bytes of state the entity holds, if any. */
  memoryBytes(entity: string): number | undefined {
    return this.entities.get(entity)?.memoryBytes();
  }

  /** The entity's state as bytes, for its changelog; undefined when it has none or rows are still queued. */
  snapshot(entity: string): Uint8Array | undefined {
    const state = this.entities.get(entity);
    if (!state || state.pending.length > 0) return undefined;
    return state.snapshot();
  }

  /**
   * Take over an entity's state from a snapshot (its partition moved here, or this process
   * restarted): it replaces whatever this process had. Feedback known here wins over the scale
   * the snapshot carries (the feedback topic is read again at every start).
   */
  restore(entity: string, bytes: Uint8Array): void {
    const { metrics } = snapshotHeader(bytes);
    const state = new EntityState(entity, metrics, this.options, this.scratch);
    state.restore(bytes);
    const scale = this.riskScales.get(entity);
    if (scale !== undefined) state.setRiskScale(scale);
    this.entities.set(entity, state);
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
    const state = new EntityState(entity, metrics, this.options, this.scratch);
    const scale = this.riskScales.get(entity);
    if (scale !== undefined) state.setRiskScale(scale);
    return state;
  }
}
