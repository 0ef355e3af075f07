import type { RevokeReason, TopicPartition } from '../bus/types.js';
import type { StageOptions } from '../stage/types.js';
import type { Changelog } from './types.js';

/** What a service that keeps per-entity state on a changelog lends its checkpoints. */
export interface CheckpointedService<Restored> {
  /** Runs `fn` between batches, never during one. */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T>;
  /** Takes one entity's checkpoint over; throws when this version cannot read it. */
  restore(bytes: Uint8Array, partition: number): Restored;
  entitiesOf(partitions: ReadonlySet<number>): string[];
  /** Forgets an entity (its partition moved away). */
  drop(entity: string): void;
  partitionOf(entity: string): number | undefined;
  checkpoint(entity: string): Uint8Array | undefined;
  /** Entities gone idle since the last call, whose checkpoints become tombstones. */
  takeRetired(): Array<{ entity: string; partition: number }>;
}

/** An entity whose checkpoint is due, and why (`stop` is the graceful stop's hand-over). */
export interface DueCheckpoint<Reason extends string> {
  entity: string;
  reason: Reason | 'stop';
}

/**
 * A stateful service's per-entity state on its changelog, co-partitioned with its input topic,
 * the Kafka Streams way: checkpoints fall due in the service (and at a stop) and are flushed
 * before the batch commits; a process assigned a partition restores that partition's entities
 * before it processes them, and nothing else; a partition that moves away is forgotten. The
 * detector and the predictor each say what falls due, what they count and what they log.
 */
export abstract class EntityCheckpoints<Restored, Reason extends string> {
  /** Whether the last flush failed (its failure was logged; the next success is quiet). */
  private failing = false;

  protected constructor(
    protected readonly service: CheckpointedService<Restored>,
    protected readonly changelog: Changelog,
    protected readonly log: (line: string) => void,
    /** The input topic the changelog is co-partitioned with. */
    private readonly inputTopic: string,
  ) {}

  /** Checkpoints that fell due in the last batch. */
  protected abstract due(): ReadonlyArray<DueCheckpoint<Reason>>;
  /** Counts and logs a finished restore. */
  protected abstract restored(results: readonly Restored[], partitions: readonly number[], seconds: number): void;
  /** Counts one checkpoint appended. */
  protected abstract written(reason: Reason | 'stop', bytes: number): void;
  /** Counts a failed flush (already logged when it is the first of a run). */
  protected abstract flushFailed(): void;

  /**
   * A stateful stage: `options.handle` as given, with the checkpoints that fell due flushed
   * before each batch commits (a restarted or new owner resumes from them) — after the last call
   * for a fetched batch, so a checkpoint is never ahead of more than the batch being committed; a partition's
   * entities restored when it is assigned and handed over when it is revoked.
   */
  stage<T>(options: StageOptions<T>): StageOptions<T> {
    return {
      ...options,
      handle: async (records, ctx) => {
        const emits = await options.handle(records, ctx);
        if (ctx.endOfBatch !== false) await this.afterBatch();
        return emits;
      },
      onPartitionsAssigned: (gained) => this.assigned(gained),
      onPartitionsRevoked: (lost, reason) => this.revoked(lost, reason),
    };
  }

  /** Before the first batch of gained input partitions: take their entities over. */
  async assigned(gained: readonly TopicPartition[]): Promise<void> {
    const partitions = this.ofInput(gained);
    if (partitions.length === 0) return;
    const started = performance.now();
    const state = await this.changelog.restore(partitions);
    const results = await this.service.exclusive(() => {
      const taken: Restored[] = [];
      for (const [partition, entities] of state) {
        for (const [entity, bytes] of entities) {
          try {
            taken.push(this.service.restore(bytes, partition));
          } catch (err) {
            // A checkpoint this version cannot read: the entity starts afresh, as a new one would.
            this.log(`${this.changelog.topic}: cannot take over ${entity} (partition ${partition}): ${(err as Error).message}; it starts afresh`);
          }
        }
      }
      return taken;
    });
    this.restored(results, partitions, (performance.now() - started) / 1000);
  }

  /**
   * Partitions this process no longer has: at a stop they are still ours, so their entities are
   * checkpointed for the next owner; at a rebalance the next owner has them already (kafkajs tells
   * us afterwards), so what is buffered for them is dropped. Either way they are forgotten here.
   */
  async revoked(lost: readonly TopicPartition[], reason: RevokeReason): Promise<void> {
    const partitions = this.ofInput(lost);
    if (partitions.length === 0) return;
    const entities = await this.service.exclusive(() => this.service.entitiesOf(new Set(partitions)));
    if (reason === 'stop') {
      await this.service.exclusive(() => this.put(entities.map((entity) => ({ entity, reason: 'stop' as const }))));
      await this.changelog.flush();
    } else {
      this.changelog.discard(partitions);
    }
    await this.service.exclusive(() => entities.forEach((e) => this.service.drop(e)));
  }

  /**
   * In the handler, after a batch: checkpoints that fell due, flushed before the batch commits.
   * A failed flush does not fail the batch (its results are right; only a restart would lose
   * ground): it is counted and logged, and the writes stay buffered for the next one.
   */
  async afterBatch(): Promise<void> {
    this.put(this.due());
    for (const { entity, partition } of this.service.takeRetired()) this.changelog.delete(entity, partition);
    if (this.changelog.pending === 0) return;
    try {
      await this.changelog.flush();
      this.failing = false;
    } catch (err) {
      this.flushFailed();
      if (!this.failing) this.log(`${this.changelog.topic}: checkpoints not written (kept for the next try): ${(err as Error).message}`);
      this.failing = true;
    }
  }

  /** Buffers one entity's snapshot; false when it is not written (a subclass may refuse one). */
  protected write(entity: string, partition: number, snapshot: Uint8Array): boolean {
    this.changelog.put(entity, partition, Buffer.from(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength));
    return true;
  }

  private put(due: ReadonlyArray<DueCheckpoint<Reason>>): void {
    for (const { entity, reason } of due) {
      const partition = this.service.partitionOf(entity);
      const snapshot = this.service.checkpoint(entity);
      if (partition === undefined || !snapshot) continue;
      if (this.write(entity, partition, snapshot)) this.written(reason, snapshot.byteLength);
    }
  }

  private ofInput(list: readonly TopicPartition[]): number[] {
    return list.filter((tp) => tp.topic === this.inputTopic).map((tp) => tp.partition);
  }
}
