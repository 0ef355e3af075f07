import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ChangelogsService } from '../platform/app/changelogs.service.js';
import { StagesService } from '../platform/app/stages.service.js';
import { BUS, SCHEMAS, VIGIL_CONFIG } from '../platform/app/tokens.js';
import type { Bus, Subscription } from '../platform/bus/types.js';
import type { VigilConfig } from '../platform/config/options.js';
import type { Changelog } from '../platform/state/types.js';
import type { SchemaRegistry } from '../platform/streams/validator.js';
import { DetectorCheckpoints } from './detector-checkpoints.js';
import { DetectorService } from './detector.service.js';
import { awaitFeedback, startFeedbackReader } from './feedback-reader.js';
import { loadDetectorOptions } from './options.js';
import { loadSelectionRules } from './selection/load-selection.js';
import type { AnomalyEvent } from './types.js';

/** How long a starting detector waits for its feedback reader to read the retained feedback. */
const FEEDBACK_CATCH_UP_MS = 15_000;

export interface DetectorStartDeps {
  readonly stages: Pick<StagesService, 'start'>;
  /** aiops.detector-state: where entities' checkpoints go and come back from. */
  readonly changelog: Changelog;
  readonly bus: Bus;
  readonly schemas: SchemaRegistry;
  readonly maxRecordBytes: number;
  readonly log: { log(line: string): void; warn(line: string): void };
  readonly feedbackCatchUpMs?: number;
}

/**
 * The detector's consumers: first this process's own aiops.feedback reader (every partition,
 * from the beginning), waited for until it has read the retained feedback; then the shared
 * group's stage over telemetry.metrics and aiops.feedback. Returns the feedback subscription.
 */
export async function startDetector(service: DetectorService, deps: DetectorStartDeps): Promise<Subscription> {
  const reader = await startFeedbackReader(deps.bus, deps.schemas, service, deps.maxRecordBytes);
  try {
    await startScoring(service, deps);
  } catch (err) {
    // A detector that cannot start scoring does not keep its feedback reader's consumer open.
    await reader.stop().catch(() => undefined);
    throw err;
  }
  return reader;
}

async function startScoring(service: DetectorService, deps: DetectorStartDeps): Promise<void> {
  const { topics } = service.options;
  const waitMs = deps.feedbackCatchUpMs ?? FEEDBACK_CATCH_UP_MS;
  const started = Date.now();
  const caughtUp = await awaitFeedback(deps.bus, service, waitMs).catch((err: Error) => {
    deps.log.warn(`cannot read ${topics.feedback}'s end offsets: ${err.message}`);
    return false;
  });
  if (caughtUp) deps.log.log(`${topics.feedback} read in ${Date.now() - started} ms as group ${service.options.feedbackGroup}: ${service.detector.adjustedEntities()} entities with a feedback adjustment`);
  else deps.log.warn(`${topics.feedback} not read to its end within ${waitMs} ms; scoring starts anyway, feedback applies as it arrives`);
  const checkpoints = new DetectorCheckpoints(service, deps.changelog, (line) => deps.log.log(line));
  await deps.stages.start(
    checkpoints.stage({
      service: 'detector',
      topics: [topics.metrics, topics.feedback],
      handle: async (records) => {
        const emits = await service.handle(records);
        // One line per incident (the score is damped after one opens), with the root-cause hint.
        for (const e of emits) deps.log.warn(describeAnomaly(e.value as AnomalyEvent));
        return emits;
      },
    }),
  );
}

/**
 * Kafka in: consumes telemetry.metrics and aiops.feedback as the group `<prefix>-detector` and
 * appends anomalies to aiops.anomalies before committing; reads all of aiops.feedback again
 * under a group of its own (see `startDetector`), so every process applies every feedback.
 * Entities' state lives with their telemetry.metrics partition: restored from aiops.detector-state
 * when the partition is assigned here, checkpointed there as it goes and at stop.
 */
@Injectable()
export class DetectorConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Detector');
  service: DetectorService | undefined;
  private feedback: Subscription | undefined;

  constructor(
    @Inject(StagesService) private readonly stages: StagesService,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SCHEMAS) private readonly schemas: SchemaRegistry,
    @Inject(VIGIL_CONFIG) private readonly config: VigilConfig,
    @Inject(ChangelogsService) private readonly changelogs: ChangelogsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const defaults = loadDetectorOptions(process.env, Date.now(), this.config.groupPrefix);
    // A mistake in the rules stops the start, naming file, line and field.
    const selection = loadSelectionRules(defaults.rulesDir);
    const options = { ...defaults, selection };
    this.logger.log(`series selection from ${options.rulesDir}: at most ${selection.maxSeriesPerEntity} series per entity, selected by\n  ${selection.describe().join('\n  ')}`);
    const service = (this.service = new DetectorService(options));
    service.logTo((line) => this.logger.warn(line));
    const a = options.aligner;
    this.logger.log(
      `step ${a.stepMs > 0 ? `${a.stepMs} ms` : 'inferred per entity (smallest gap)'}, lateness ${a.latenessMs} ms; anomalies to ${options.topics.anomalies} when score >= threshold`,
    );
    const changelog = await this.changelogs.get(options.topics.state);
    this.logger.log(`entity state: checkpointed to ${options.topics.state} every ${options.checkpointRows} scored steps and at stop, restored per partition`);
    this.feedback = await startDetector(service, {
      stages: this.stages,
      changelog,
      bus: this.bus,
      schemas: this.schemas,
      maxRecordBytes: this.config.maxRecordBytes,
      log: { log: (line) => this.logger.log(line), warn: (line) => this.logger.warn(line) },
    });
  }

  /** The feedback reader is not a stage: stopped here, before the bus disconnects. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.feedback?.stop();
    this.feedback = undefined;
  }

}

/** `anomaly demo-host-02 at 2026-…Z: score 0.93 >= 0.50 (seasonal-shift-v1); latency_p99_seconds{env="demo",service="demo-shop"} 41%, …` */
export function describeAnomaly(a: AnomalyEvent): string {
  const top = a.contributions
    .slice(0, 3)
    .map((c) => `${c.metric} ${Math.round(c.share * 100)}%`)
    .join(', ');
  return `anomaly ${a.entity} at ${new Date(a.timestamp).toISOString()}: score ${a.score.toFixed(2)} >= ${a.threshold.toFixed(2)} (${a.model_version}); ${top}`;
}
