import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { StagesService } from '../platform/app/stages.service.js';
import { initBackend } from '../platform/ml/backend.js';
import { detectorMetrics } from './detector.metrics.js';
import { DetectorService } from './detector.service.js';
import { ModelStore } from './model-store/model-store.js';
import { loadDetectorOptions } from './options.js';
import type { AnomalyEvent } from './types.js';

/**
 * Kafka in: consumes telemetry.metrics and aiops.feedback as the group `<prefix>-detector` and
 * appends anomalies to aiops.anomalies before committing. State (aligner and detector) is in
 * memory for every partition this process is given; a partition that moves here starts cold.
 */
@Injectable()
export class DetectorConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Detector');
  service: DetectorService | undefined;

  constructor(@Inject(StagesService) private readonly stages: StagesService) {}

  async onApplicationBootstrap(): Promise<void> {
    const options = loadDetectorOptions();
    const backend = await initBackend((msg) => this.logger.log(msg));
    detectorMetrics.backend.labels(backend).set(1);
    const service = (this.service = new DetectorService(options));
    if (options.modelDir) {
      const loaded = await service.loadModels(new ModelStore(options.modelDir), (line) => this.logger.warn(line));
      this.logger.log(`model store ${options.modelDir}: ${loaded} entity model(s) loaded; new versions saved after each training`);
    }
    const a = options.aligner;
    this.logger.log(
      `step ${a.stepMs > 0 ? `${a.stepMs} ms` : 'inferred per entity (smallest gap)'}, lateness ${a.latenessMs} ms; anomalies to ${options.topics.anomalies} when score >= threshold`,
    );
    await this.stages.start({
      service: 'detector',
      topics: [options.topics.metrics, options.topics.feedback],
      handle: async (records) => {
        const emits = await service.handle(records);
        // One line per incident (the score is damped after one opens), with the root-cause hint.
        for (const e of emits) this.logger.warn(describeAnomaly(e.value as AnomalyEvent));
        return emits;
      },
    });
  }

  /** Models trained in the last batches are still being written: let them land. */
  async onApplicationShutdown(): Promise<void> {
    await this.service?.whenSaved();
  }
}

/** `anomaly demo-host-02 at 2026-…Z: score 0.93 >= 0.50 (autoencoder-v1); latency_p99_seconds 41%, error_ratio 30%, …` */
export function describeAnomaly(a: AnomalyEvent): string {
  const top = a.contributions
    .slice(0, 3)
    .map((c) => `${c.metric} ${Math.round(c.share * 100)}%`)
    .join(', ');
  return `anomaly ${a.entity} at ${new Date(a.timestamp).toISOString()}: score ${a.score.toFixed(2)} >= ${a.threshold.toFixed(2)} (${a.model_version}); ${top}`;
}
