/** A closed count window of one entity: one value per column. */
export interface CountWindow<R> {
  entity: string;
  start: number;
  end: number;
  /** lines, other, then one column per slotted key (0 until a key takes the slot). */
  values: number[];
  /** Column names: 'lines', 'other', then the key in each slot ('' while free). */
  columns: string[];
  /** The last record counted in the window (the finding's id derives from it). */
  ref: R | undefined;
}

interface EntityWindows<R> {
  start: number;
  counts: Map<string, number>;
  lines: number;
  slotOf: Map<string, number>;
  keys: string[];
  ref: R | undefined;
}

/** Empty windows filled in after a gap; a longer silence starts afresh at the next line. */
const MAX_GAP_WINDOWS = 10;

/**
 * Template-count windows per entity, tumbling in event time. The detector needs a vector of
 * fixed length per entity, while templates keep appearing: the first `slots` keys an entity
 * produces get a column each, later ones are counted together as "other", next to the total.
 * A line older than its entity's open window is counted in the open window.
 */
export class CountWindows<R> {
  private readonly entities = new Map<string, EntityWindows<R>>();
  private closed: CountWindow<R>[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly slots: number,
  ) {}

  get width(): number {
    return 2 + this.slots;
  }

  add(entity: string, time: number, key: string, ref: R): void {
    let e = this.entities.get(entity);
    const start = Math.floor(time / this.windowMs) * this.windowMs;
    if (!e) {
      e = { start, counts: new Map(), lines: 0, slotOf: new Map(), keys: [], ref: undefined };
      this.entities.set(entity, e);
    } else if (start > e.start) {
      this.close(entity, e);
      const gap = (start - e.start) / this.windowMs - 1;
      if (gap <= MAX_GAP_WINDOWS) for (let i = 1; i <= gap; i++) this.closed.push(this.windowOf(entity, e, e.start + i * this.windowMs, true));
      e.start = start;
    }
    if (!e.slotOf.has(key) && e.keys.length < this.slots) {
      e.slotOf.set(key, e.keys.length);
      e.keys.push(key);
    }
    e.counts.set(key, (e.counts.get(key) ?? 0) + 1);
    e.lines++;
    e.ref = ref;
  }

  /** Windows closed since the last call, oldest first per entity. */
  drain(): CountWindow<R>[] {
    const out = this.closed;
    this.closed = [];
    return out;
  }

  get size(): number {
    return this.entities.size;
  }

  forget(entity: string): void {
    this.entities.delete(entity);
  }

  private close(entity: string, e: EntityWindows<R>): void {
    this.closed.push(this.windowOf(entity, e, e.start, false));
    e.counts = new Map();
    e.lines = 0;
    e.ref = undefined;
  }

  private windowOf(entity: string, e: EntityWindows<R>, start: number, empty: boolean): CountWindow<R> {
    const values = new Array<number>(this.width).fill(0);
    if (!empty) {
      values[0] = e.lines;
      for (const [key, n] of e.counts) {
        const slot = e.slotOf.get(key);
        if (slot === undefined) values[1]! += n;
        else values[2 + slot] = n;
      }
    }
    const columns = ['lines', 'other', ...Array.from({ length: this.slots }, (_, i) => e.keys[i] ?? '')];
    return { entity, start, end: start + this.windowMs, values, columns, ref: empty ? undefined : e.ref };
  }
}
