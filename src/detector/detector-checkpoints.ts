import type { RevokeReason, TopicPartition } from '../platform/bus/types.js';
import type { Changelog } from '../platform/state/types.js';
import { detectorMetrics as m } from './detector.metrics.js';
import type { DetectorService } from './detector.service.js';

/**
 * The detector's state on its changelog (aiops.detector-state, co-partitioned with
 * telemetry.metrics), the Kafka Streams way: an entity's checkpoint is written every
 * `checkpointRows` scored rows (before its batch commits) and when the process stops; a process
 * assigned a partition restores that partition's entities before it scores them, and nothing
 * else; a partition that moves away is forgotten here. See src/platform/state for what a
 * rebalance can and cannot carry over.
 */
export class DetectorCheckpoints {
  /** Whether the last flush failed (its failure was logged; the next success is quiet). */
  private failing = false;

  constructor(
    private readonly service: DetectorService,
    private readonly changelog: Changelog,
    private readonly log: (line: string) => void,
  ) {
    // Both series exist from the first scrape, so a rate over either is 0, not absent.
    for (const reason of ['rows', 'stop'] as const) m.checkpointsWritten.labels(reason).inc(0);
  }

  /** Before the first batch of gained telemetry.metrics partitions: take their entities over. */
  async assigned(gained: readonly TopicPartition[]): Promise<void> {
    const partitions = this.ofMetrics(gained);
    if (partitions.length === 0) return;
    const started = performance.now();
    const state = await this.changelog.restore(partitions);
    const restored = await this.service.exclusive(() => {
      let n = 0;
      for (const [partition, entities] of state) {
        for (const [entity, bytes] of entities) {
          try {
            this.service.restore(bytes, partition);
            n++;
          } catch (err) {
            // A checkpoint this version cannot read: the entity starts afresh, as a new one would.
            this.log(`${this.changelog.topic}: cannot take over ${entity} (partition ${partition}): ${(err as Error).message}; it starts afresh`);
          }
        }
      }
      return n;
    });
    const seconds = (performance.now() - started) / 1000;
    m.restoreSeconds.inc(seconds);
    this.log(`${this.changelog.topic}: ${restored} entities of partition(s) ${partitions.join(', ')} restored in ${seconds.toFixed(2)} s`);
  }

  /**
   * Partitions this process no longer has: at a stop they are still ours, so their entities are
   * checkpointed for the next owner; at a rebalance the next owner has them already (kafkajs tells
   * us afterwards), so what is buffered for them is dropped. Either way they are forgotten here.
   */
  async revoked(lost: readonly TopicPartition[], reason: RevokeReason): Promise<void> {
    const partitions = this.ofMetrics(lost);
    if (partitions.length === 0) return;
    const entities = await this.service.exclusive(() => this.service.entitiesOf(new Set(partitions)));
    if (reason === 'stop') {
      await this.service.exclusive(() => this.put(entities, 'stop'));
      await this.changelog.flush();
    } else {
      this.changelog.discard(partitions);
    }
    await this.service.exclusive(() => entities.forEach((e) => this.service.drop(e)));
  }

  /**
   * In the handler, after a batch is scored: checkpoints that fell due, flushed before the
   * batch commits. A failed flush does not fail the batch (the scores are right; only a restart
   * would lose ground): it is counted and logged, and the writes stay buffered for the next one.
   */
  async afterBatch(): Promise<void> {
    this.put(this.service.dueForCheckpoint(), 'rows');
    for (const { entity, partition } of this.service.takeRetired()) this.changelog.delete(entity, partition);
    if (this.changelog.pending === 0) return;
    try {
      await this.changelog.flush();
      this.failing = false;
    } catch (err) {
      m.checkpointFailures.inc();
      if (!this.failing) this.log(`${this.changelog.topic}: checkpoints not written (kept for the next try): ${(err as Error).message}`);
      this.failing = true;
    }
  }

  private put(entities: readonly string[], reason: 'rows' | 'stop'): void {
    let bytes = 0;
    let written = 0;
    for (const entity of entities) {
      const partition = this.service.partitionOf(entity);
      const snapshot = this.service.checkpoint(entity);
      if (partition === undefined || !snapshot) continue;
      this.changelog.put(entity, partition, Buffer.from(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength));
      bytes += snapshot.byteLength;
      written++;
    }
    if (written > 0) {
      m.checkpointsWritten.labels(reason).inc(written);
      m.checkpointBytes.inc(bytes);
    }
  }

  private ofMetrics(list: readonly TopicPartition[]): number[] {
    return list.filter((tp) => tp.topic === this.service.options.topics.metrics).map((tp) => tp.partition);
  }
}
