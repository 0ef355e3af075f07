import { EntityCheckpoints, type DueCheckpoint } from '../platform/state/entity-checkpoints.js';
import type { Changelog } from '../platform/state/types.js';
import { detectorMetrics as m } from './detector.metrics.js';
import type { DetectorService } from './detector.service.js';

/**
 * The detector's state on its changelog (aiops.detector-state, co-partitioned with
 * telemetry.metrics): an entity's checkpoint is written every `checkpointRows` scored rows
 * (before its batch commits) and when the process stops. See src/platform/state for what a
 * rebalance can and cannot carry over.
 */
export class DetectorCheckpoints extends EntityCheckpoints<string, 'rows'> {
  constructor(
    private readonly detector: DetectorService,
    changelog: Changelog,
    log: (line: string) => void,
  ) {
    super(detector, changelog, log, detector.options.topics.metrics);
    // Both series exist from the first scrape, so a rate over either is 0, not absent.
    for (const reason of ['rows', 'stop'] as const) m.checkpointsWritten.labels(reason).inc(0);
  }

  protected due(): Array<DueCheckpoint<'rows'>> {
    return this.detector.dueForCheckpoint().map((entity) => ({ entity, reason: 'rows' }));
  }

  protected restored(entities: readonly string[], partitions: readonly number[], seconds: number): void {
    m.restoreSeconds.inc(seconds);
    this.log(`${this.changelog.topic}: ${entities.length} entities of partition(s) ${partitions.join(', ')} restored in ${seconds.toFixed(2)} s`);
  }

  protected written(reason: 'rows' | 'stop', bytes: number): void {
    m.checkpointsWritten.labels(reason).inc();
    m.checkpointBytes.inc(bytes);
  }

  protected flushFailed(): void {
    m.checkpointFailures.inc();
  }
}
