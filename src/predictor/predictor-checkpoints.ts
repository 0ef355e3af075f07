import { EntityCheckpoints, type DueCheckpoint } from '../platform/state/entity-checkpoints.js';
import type { Changelog } from '../platform/state/types.js';
import { predictorMetrics as m } from './predictor.metrics.js';
import type { CheckpointReason, PredictorService } from './predictor.service.js';

type Restored = ReturnType<PredictorService['restore']>;
type DueReason = Exclude<CheckpointReason, 'stop'>;

/**
 * The predictor's state on its changelog (aiops.predictor-state, co-partitioned with
 * telemetry.metrics), as the detector keeps its own: an entity's checkpoint is written when one
 * of its series trained or one of its predictions was issued or withdrawn, and every
 * `checkpointRows` steps of its series (before the batch commits), and when the process stops.
 * See src/platform/state for what a rebalance can and cannot carry over.
 */
export class PredictorCheckpoints extends EntityCheckpoints<Restored, DueReason> {
  /** Entities whose checkpoint the changelog refused (logged once each). */
  private readonly refused = new Set<string>();

  constructor(
    private readonly predictor: PredictorService,
    changelog: Changelog,
    log: (line: string) => void,
  ) {
    super(predictor, changelog, log, predictor.options.topics.metrics);
    // Every series exists from the first scrape, so a rate over any is 0, not absent.
    for (const reason of ['trained', 'prediction', 'rows', 'stop'] as const) m.checkpointsWritten.labels(reason).inc(0);
    for (const reason of ['flush', 'refused'] as const) m.checkpointFailures.labels(reason).inc(0);
  }

  protected due(): Array<DueCheckpoint<DueReason>> {
    return this.predictor.dueForCheckpoint();
  }

  protected restored(results: readonly Restored[], partitions: readonly number[], seconds: number): void {
    m.restoreSeconds.inc(seconds);
    const series = results.reduce((n, r) => n + r.series, 0);
    const models = results.reduce((n, r) => n + r.models, 0);
    this.log(
      `${this.changelog.topic}: ${results.length} entities of partition(s) ${partitions.join(', ')} restored in ${seconds.toFixed(2)} s: ${series} series, ${models} with a trained model`,
    );
  }

  protected written(reason: CheckpointReason, bytes: number): void {
    m.checkpointsWritten.labels(reason).inc();
    m.checkpointBytes.inc(bytes);
  }

  protected flushFailed(): void {
    m.checkpointFailures.labels('flush').inc();
  }

  protected override write(entity: string, partition: number, snapshot: Uint8Array): boolean {
    try {
      return super.write(entity, partition, snapshot);
    } catch (err) {
      // Larger than the topic takes: skipped here, so that it does not hold back every other write.
      m.checkpointFailures.labels('refused').inc();
      if (!this.refused.has(entity)) {
        this.refused.add(entity);
        this.log(`${this.changelog.topic}: ${entity}'s checkpoint (${this.predictor.seriesOf(entity)} series) is not written (logged once): ${(err as Error).message}; watch fewer of its series (rules/predictor) or raise the topic's maxMessageBytes`);
      }
      return false;
    }
  }
}
