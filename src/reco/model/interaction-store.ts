import type { Interaction } from '../types.js';
import { IdIndex } from './id-index.js';

/** How repeated interactions of one user with one item combine into one value. */
export type Aggregation = 'max' | 'sum';

/** What one event did to its user's row: the item and the value before (0 if new) and after. */
export interface RowChange {
  user: number;
  item: number;
  before: number;
  after: number;
}

/**
 * The user×item interaction matrix, sparse by user, plus how many users hold each item.
 * Everything the models read is derived from here, so a refit needs nothing else.
 */
export class InteractionStore {
  readonly users = new IdIndex();
  readonly items = new IdIndex();
  /** rows[u]: item index → aggregated value, in order of last touch (oldest first). */
  private readonly rows: Map<number, number>[] = [];
  /** holders[i]: number of distinct users with item i. */
  private readonly holders: number[] = [];
  private events = 0;

  constructor(private readonly aggregation: Aggregation = 'max') {}

  get eventCount(): number {
    return this.events;
  }

  add(event: Interaction): RowChange {
    const weight = event.weight ?? 1;
    if (!(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`weight must be a non-negative number, got ${weight}`);
    const user = this.users.intern(event.user);
    const item = this.items.intern(event.item);
    this.events++;
    if (weight === 0) {
      // allowed by the topic schema: an exposure without a signal; nothing to learn from it
      const value = this.rows[user]?.get(item) ?? 0;
      return { user, item, before: value, after: value };
    }
    const row = (this.rows[user] ??= new Map());
    while (this.holders.length <= item) this.holders.push(0);
    const before = row.get(item) ?? 0;
    const after = this.aggregation === 'sum' ? before + weight : Math.max(before, weight);
    row.delete(item); // re-inserted last: a row iterates from least to most recently touched
    row.set(item, after);
    if (before === 0) this.holders[item]!++;
    return { user, item, before, after };
  }

  /** The row of a user index; empty for a user with no interactions. */
  row(user: number): ReadonlyMap<number, number> {
    return this.rows[user] ?? EMPTY;
  }

  /** The row of an external user id; empty for a user never seen. */
  rowOf(userId: string): ReadonlyMap<number, number> {
    const u = this.users.get(userId);
    return u === undefined ? EMPTY : this.row(u);
  }

  holderCount(item: number): number {
    return this.holders[item] ?? 0;
  }

  /** Every non-empty row, for model fitting. */
  *allRows(): Generator<ReadonlyMap<number, number>> {
    for (const r of this.rows) if (r && r.size > 0) yield r;
  }
}

const EMPTY: ReadonlyMap<number, number> = new Map();
