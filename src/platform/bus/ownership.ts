import type { RevokeReason, SubscribeOptions, TopicPartition } from './types.js';
import { SerialQueue } from '../serial-queue.js';

type Hooks = Pick<SubscribeOptions, 'groupId' | 'onPartitionsAssigned' | 'onPartitionsRevoked'>;

const MAX_RETRY_MS = 30_000;

/** Thrown to a batch that waited for a restore the stopping member gave up on. */
export class StoppedError extends Error {
  constructor() {
    super('the consumer is stopping');
  }
}

/**
 * Which partitions one group member owns, and the stateful hooks around changes of it (both
 * buses use it). Each assignment is the whole set the member now has; the difference with the
 * previous one is what it gained and lost. The hooks run one after another, so a partition lost
 * and gained back quickly is forgotten before it is restored, never the other way round; a lost
 * partition's hook waits for its batches in hand, so a handler and the forgetting of the same
 * partition never overlap. Batches of a gained partition wait until its restore has resolved.
 */
export class Ownership {
  private owned = new Map<string, TopicPartition>();
  private readonly gates = new Map<string, Promise<void>>();
  private readonly busy = new Map<string, number>();
  private readonly idle = new Map<string, Array<() => void>>();
  private readonly queue = new SerialQueue();
  private stopping = false;
  /** Ends the back-off of a failing restore early, when the member stops. */
  private wakeRetry: (() => void) | undefined;

  constructor(
    private readonly hooks: Hooks,
    private readonly retryMs = 1000,
  ) {}

  /** The member's new assignment: runs the hooks for what changed. */
  assign(assigned: TopicPartition[]): void {
    if (this.stopping) return;
    const next = new Map(assigned.map((tp) => [key(tp), tp]));
    const lost = [...this.owned].filter(([k]) => !next.has(k)).map(([, tp]) => tp);
    const gained = [...next].filter(([k]) => !this.owned.has(k)).map(([, tp]) => tp);
    this.owned = next;
    for (const tp of lost) this.gates.delete(key(tp));
    if (lost.length > 0) this.revoke(lost, 'rebalance');
    const restore = this.hooks.onPartitionsAssigned;
    if (gained.length > 0 && restore) {
      const gate = this.enqueue(() => this.retrying(() => restore(gained)));
      for (const tp of gained) this.gates.set(key(tp), gate);
      const clear = () => gained.forEach((tp) => this.gates.get(key(tp)) === gate && this.gates.delete(key(tp)));
      gate.then(clear, clear);
    }
  }

  /**
   * Runs one batch's work for a partition once its restore is done; skips it (returns false)
   * when the partition is no longer this member's by then.
   */
  async run(tp: TopicPartition, work: () => Promise<void>): Promise<boolean> {
    const gate = this.gates.get(key(tp));
    if (gate) await gate;
    if (!this.owns(tp)) return false;
    const k = key(tp);
    this.busy.set(k, (this.busy.get(k) ?? 0) + 1);
    try {
      await work();
      return true;
    } finally {
      const left = this.busy.get(k)! - 1;
      if (left > 0) this.busy.set(k, left);
      else {
        this.busy.delete(k);
        this.idle.get(k)?.forEach((wake) => wake());
        this.idle.delete(k);
      }
    }
  }

  /** Whether a gained partition is still waiting for its restore (its batches will wait too). */
  restoring(tp: TopicPartition): boolean {
    return this.gates.has(key(tp));
  }

  owns(tp: TopicPartition): boolean {
    return this.owned.has(key(tp));
  }

  /** On stop, after the last batch: onPartitionsRevoked(everything, 'stop') once the hooks in hand are done. */
  async release(): Promise<void> {
    this.stopping = true;
    this.wakeRetry?.();
    const lost = [...this.owned.values()];
    this.owned = new Map();
    this.gates.clear();
    if (lost.length > 0) this.revoke(lost, 'stop');
    await this.queue.idle();
  }

  private revoke(lost: TopicPartition[], reason: RevokeReason): void {
    const hook = this.hooks.onPartitionsRevoked;
    if (!hook) return;
    void this.enqueue(async () => {
      await Promise.all(lost.map((tp) => this.quiet(tp)));
      await hook(lost, reason).catch((e: Error) => console.error(`${this.hooks.groupId}: onPartitionsRevoked failed: ${e.message}`));
    });
  }

  /** Until no batch of the partition is in hand. */
  private quiet(tp: TopicPartition): Promise<void> {
    const k = key(tp);
    if (!this.busy.has(k)) return Promise.resolve();
    return new Promise((resolve) => this.idle.set(k, [...(this.idle.get(k) ?? []), resolve]));
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    return this.queue.run(task);
  }

  /** A restore that fails is tried again (the partition cannot be scored cold), until it works or the member stops. */
  private async retrying(task: () => Promise<void>): Promise<void> {
    for (let wait = this.retryMs; ; wait = Math.min(wait * 2, MAX_RETRY_MS)) {
      if (this.stopping) throw new StoppedError();
      try {
        return await task();
      } catch (err) {
        console.error(`${this.hooks.groupId}: onPartitionsAssigned failed, again in ${wait} ms: ${(err as Error).message}`);
      }
      await new Promise<void>((resolve) => {
        this.wakeRetry = resolve;
        setTimeout(resolve, wait);
      });
    }
  }
}

function key(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}
