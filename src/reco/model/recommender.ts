import type { Interaction, Recommendation } from '../types.js';
import { EaseModel } from './ease.js';
import { InteractionStore } from './interaction-store.js';
import type { ItemSubset, SparseRow } from './item-subset.js';
import { FOLD_IN_AUTO_MAX_ITEMS, REFIT_REPLAY_MAX, resolveRecommenderOptions, type RecommenderOptions } from './options.js';
import { PopularityRanker } from './popularity.js';
import { solveInWorker, type WorkerSolve } from './solve-in-worker.js';
import { topK } from './top-k.js';

export interface RecommenderStats {
  /** `popularity` before the first fit, then `ease-<n>` for the n-th fit (folded events keep it). */
  modelVersion: string;
  users: number;
  items: number;
  events: number;
  /** Items the current item model knows (0 before the first fit). */
  modelItems: number;
  eventsSinceFit: number;
  refitting: boolean;
}

/**
 * Top-K recommendations from implicit feedback that follow every event:
 * - the user's own row changes at once, so the next `recommend` excludes the new item and
 *   scores the rest from it;
 * - with `foldIn`, the item model (EASE) is corrected for the event by a low-rank update;
 * - every `refitEvery` events a full refit runs on a worker thread, and the events that arrived
 *   meanwhile are replayed onto it before it replaces the old model (or, when too many arrived,
 *   another refit follows);
 * - users the model cannot score (new, or only new items) get the most popular items.
 */
export class Recommender {
  readonly options: RecommenderOptions;
  private readonly store: InteractionStore;
  private readonly popularity: PopularityRanker;
  private model: EaseModel | undefined;
  private modelVersion = 'popularity';
  /** Bumped by every fit that starts, so a slower, older one never replaces a newer result. */
  private fitGeneration = 0;
  private eventsSinceFit = 0;
  private refitting: Promise<void> | undefined;
  private solving: WorkerSolve | undefined;
  private closed = false;
  /** Row changes seen while a background refit runs, to replay onto its result. */
  private refitLog: { items: ItemSubset; changes: [SparseRow, SparseRow][]; overflowed: boolean } | undefined;
  lastRefitError: Error | undefined;

  constructor(options: Partial<RecommenderOptions> = {}) {
    this.options = resolveRecommenderOptions(options);
    this.store = new InteractionStore(this.options.aggregation);
    this.popularity = new PopularityRanker(this.store);
  }

  add(event: Interaction): void {
    this.ingest(event, true);
  }

  /**
   * Load many events (a replay at start-up) without per-event model updates or automatic
   * refits; they reach the item model at the next `fit()` or refit.
   */
  addAll(events: Iterable<Interaction>): void {
    for (const e of events) this.ingest(e, false);
  }

  private ingest(event: Interaction, live: boolean): void {
    const change = this.store.add(event);
    this.eventsSinceFit++;
    if (!live) return;
    if (change.after !== change.before) {
      const model = this.model;
      if (model && this.foldsInto(model.items) && model.items.slotOf(change.item) >= 0) {
        model.foldIn(...this.rowChange(change.user, change.item, change.before, model.items));
      }
      const log = this.refitLog;
      if (log && !log.overflowed && this.foldsInto(log.items) && log.items.slotOf(change.item) >= 0) {
        log.changes.push(this.rowChange(change.user, change.item, change.before, log.items));
        if (log.changes.length > REFIT_REPLAY_MAX) {
          log.overflowed = true;
          log.changes = [];
        }
      }
    }
    const { refitEvery } = this.options;
    if (refitEvery > 0 && this.eventsSinceFit >= refitEvery && !this.refitting) {
      this.refitInBackground().catch(() => undefined); // recorded in lastRefitError
    }
  }

  /** Refit the item model now, blocking (seconds for a few thousand items). */
  fit(): void {
    this.fitGeneration++;
    void this.solving?.terminate(); // a background refit in progress would be older than this fit
    this.eventsSinceFit = 0;
    this.model = EaseModel.fit(this.store, this.options, this.options.maxModelItems);
    this.modelVersion = `ease-${this.fitGeneration}`;
  }

  /** Refit on a worker thread; serving and ingestion go on meanwhile. */
  refitInBackground(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.refitting ??= this.runRefit().finally(() => {
      this.refitting = undefined;
    });
    return this.refitting;
  }

  /** Abandon a background refit in progress and start no more (the model in use stays). */
  async close(): Promise<void> {
    this.closed = true;
    await this.solving?.terminate();
    await this.refitting?.catch(() => undefined);
  }

  recommend(userId: string, k: number): Recommendation[] {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
    const row = this.store.rowOf(userId);
    const seen = (i: number) => row.has(i);
    const out: Recommendation[] = [];
    const model = this.model;
    if (model && model.items.coversAny(row)) {
      const scores = model.scores(this.profile(row));
      for (const slot of topK(scores, k, (s) => seen(model.items.itemAt(s)))) {
        out.push({ item: this.store.items.idOf(model.items.itemAt(slot)), score: scores[slot]!, source: 'model' });
      }
    }
    if (out.length < k) {
      const chosen = new Set(out.map((r) => r.item));
      const skip = (i: number) => seen(i) || chosen.has(this.store.items.idOf(i));
      for (const i of this.popularity.top(k - out.length, skip)) {
        out.push({ item: this.store.items.idOf(i), score: this.popularity.count(i), source: 'popularity' });
      }
    }
    return out;
  }

  /** The most popular items (by distinct users), excluding what `userId` already has. */
  popular(k: number, userId?: string): Recommendation[] {
    const row = userId === undefined ? undefined : this.store.rowOf(userId);
    return this.popularity
      .top(k, (i) => row?.has(i) ?? false)
      .map((i) => ({ item: this.store.items.idOf(i), score: this.popularity.count(i), source: 'popularity' as const }));
  }

  private foldsInto(items: ItemSubset): boolean {
    const { foldIn } = this.options;
    return foldIn === 'auto' ? items.size <= FOLD_IN_AUTO_MAX_ITEMS : foldIn;
  }

  /** The row the model scores from: as stored, or with older items discounted by recency. */
  private profile(row: ReadonlyMap<number, number>): ReadonlyMap<number, number> {
    const h = this.options.recencyHalfLife;
    if (h === 0) return row;
    const out = new Map<number, number>();
    let age = row.size - 1; // rows iterate oldest first
    const floor = this.options.recencyFloor;
    for (const [i, v] of row) out.set(i, v * (floor + (1 - floor) * 0.5 ** (age-- / h)));
    return out;
  }

  stats(): RecommenderStats {
    return {
      modelVersion: this.modelVersion,
      users: this.store.users.size,
      items: this.store.items.size,
      events: this.store.eventCount,
      modelItems: this.model?.n ?? 0,
      eventsSinceFit: this.eventsSinceFit,
      refitting: this.refitting !== undefined,
    };
  }

  private async runRefit(): Promise<void> {
    const generation = ++this.fitGeneration;
    const data = EaseModel.snapshot(this.store, this.options.maxModelItems);
    this.eventsSinceFit = 0;
    const log = { items: data.items, changes: [] as [SparseRow, SparseRow][], overflowed: false };
    this.refitLog = log;
    try {
      this.solving = solveInWorker(data.items.size, data.rows, this.options);
      const solution = await this.solving.result;
      // closed meanwhile (a result can arrive as the worker is terminated), or a blocking fit() is newer
      if (this.closed || generation !== this.fitGeneration) return;
      const model = EaseModel.fromSolution(data.items, solution);
      for (const [before, after] of log.changes) model.foldIn(before, after);
      this.model = model;
      this.modelVersion = `ease-${generation}`;
      this.lastRefitError = undefined;
      // too many events arrived to replay them one by one: a fresh refit is cheaper
      if (log.overflowed) this.eventsSinceFit = Math.max(this.eventsSinceFit, this.options.refitEvery);
    } catch (err) {
      if (this.closed || generation !== this.fitGeneration) return; // terminated on purpose
      this.lastRefitError = err as Error;
      throw err;
    } finally {
      this.solving = undefined;
      this.refitLog = undefined;
    }
  }

  /** A user's row over a model's items (slot numbering) before and after one item's value changed. */
  private rowChange(user: number, item: number, beforeValue: number, items: ItemSubset): [SparseRow, SparseRow] {
    const after = items.restrict(this.store.row(user));
    const changed = items.slotOf(item);
    const before: SparseRow = { idx: [], val: [] };
    for (let t = 0; t < after.idx.length; t++) {
      const i = after.idx[t]!;
      const v = i === changed ? beforeValue : after.val[t]!;
      if (v !== 0) {
        before.idx.push(i);
        before.val.push(v);
      }
    }
    return [before, after];
  }
}
