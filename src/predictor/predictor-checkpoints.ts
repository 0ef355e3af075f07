import type { RevokeReason, TopicPartition } from '../platform/bus/types.js';
import type { Changelog } from '../platform/state/types.js';
import { predictorMetrics as m } from './predictor.metrics.js';
import type { CheckpointReason, PredictorService } from './predictor.service.js';

/**
 * The predictor's state on its changelog (aiops.predictor-state, co-partitioned with
 * telemetry.metrics), the Kafka Streams way, as the detector keeps its own: an entity's
 * checkpoint is written when one of its series trained or one of its predictions was issued or
 * withdrawn, and every `checkpointRows` steps of its series (before the batch commits), and when
 * the process stops; a process assigned a partition
 * restores that partition's entities before it forecasts them, and nothing else; a partition
 * that moves away is forgotten here. See src/platform/state for what a rebalance can and cannot
 * carry over.
 */
export class PredictorCheckpoints {
  /** Whether the last flush failed (its failure was logged; the next success is quiet). */
  private failing = false;
  /** Entities whose checkpoint the changelog refused (logged once each). */
  private readonly refused = new Set<string>();

  constructor(
    private readonly service: PredictorService,
    private readonly changelog: Changelog,
    private readonly log: (line: string) => void,
  ) {
    // Every series exists from the first scrape, so a rate over any is 0, not absent.
    for (const reason of ['trained', 'prediction', 'rows', 'stop'] as const) m.checkpointsWritten.labels(reason).inc(0);
    for (const reason of ['flush', 'refused'] as const) m.checkpointFailures.labels(reason).inc(0);
  }

  /** Before the first batch of gained telemetry.metrics partitions: take their entities over. */
  async assigned(gained: readonly TopicPartition[]): Promise<void> {
    const partitions = this.ofMetrics(gained);
    if (partitions.length === 0) return;
    const started = performance.now();
    const state = await this.changelog.restore(partitions);
    const restored = await this.service.exclusive(() => {
      const n = { entities: 0, series: 0, models: 0 };
      for (const [partition, entities] of state) {
        for (const [entity, bytes] of entities) {
          try {
            const r = this.service.restore(bytes, partition);
            n.entities++;
            n.series += r.series;
            n.models += r.models;
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
    this.log(
      `${this.changelog.topic}: ${restored.entities} entities of partition(s) ${partitions.join(', ')} restored in ${seconds.toFixed(2)} s: ${restored.series} series, ${restored.models} with a trained model`,
    );
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
      await this.service.exclusive(() => this.put(entities.map((entity) => ({ entity, reason: 'stop' as const }))));
      await this.changelog.flush();
    } else {
      this.changelog.discard(partitions);
    }
    await this.service.exclusive(() => entities.forEach((e) => this.service.drop(e)));
  }

  /**
   * In the handler, after a batch is forecast: checkpoints that fell due, flushed before the
   * batch commits. A failed flush does not fail the batch (the forecasts are right; only a
   * restart would lose ground): it is counted and logged, and the writes stay buffered.
   */
  async afterBatch(): Promise<void> {
    this.put(this.service.dueForCheckpoint());
    for (const { entity, partition } of this.service.takeRetired()) this.changelog.delete(entity, partition);
    if (this.changelog.pending === 0) return;
    try {
      await this.changelog.flush();
      this.failing = false;
    } catch (err) {
      m.checkpointFailures.labels('flush').inc();
      if (!this.failing) this.log(`${this.changelog.topic}: checkpoints not written (kept for the next try): ${(err as Error).message}`);
      this.failing = true;
    }
  }

  private put(due: ReadonlyArray<{ entity: string; reason: CheckpointReason }>): void {
    for (const { entity, reason } of due) {
      const partition = this.service.partitionOf(entity);
      const snapshot = this.service.checkpoint(entity);
      if (partition === undefined || !snapshot) continue;
      try {
        this.changelog.put(entity, partition, Buffer.from(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength));
      } catch (err) {
        // Larger than the topic takes: skipped here, so that it does not hold back every other write.
        m.checkpointFailures.labels('refused').inc();
        if (!this.refused.has(entity)) {
          this.refused.add(entity);
          this.log(`${this.changelog.topic}: ${entity}'s checkpoint (${this.service.seriesOf(entity)} series) is not written (logged once): ${(err as Error).message}; watch fewer of its series (rules/predictor) or raise the topic's maxMessageBytes`);
        }
        continue;
      }
      m.checkpointsWritten.labels(reason).inc();
      m.checkpointBytes.inc(snapshot.byteLength);
    }
  }

  private ofMetrics(list: readonly TopicPartition[]): number[] {
    return list.filter((tp) => tp.topic === this.service.options.topics.metrics).map((tp) => tp.partition);
  }
}
