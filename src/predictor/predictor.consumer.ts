import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { StagesService } from '../platform/app/stages.service.js';
import { initBackend } from '../platform/ml/backend.js';
import { loadLimitRules } from './limits/limit-rules.js';
import { PredictorModelStore } from './model-store/predictor-model-store.js';
import { loadPredictorOptions } from './options.js';
import { PredictorService } from './predictor.service.js';
import type { PredictionEvent } from './types.js';

/**
 * Kafka in: consumes telemetry.metrics as the group `<prefix>-predictor` and appends
 * predictions to aiops.predictions before committing. Series state and models are in memory
 * for the partitions this process is given; a partition that moves here starts cold.
 */
@Injectable()
export class PredictorConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Predictor');
  service: PredictorService | undefined;

  constructor(@Inject(StagesService) private readonly stages: StagesService) {}

  async onApplicationBootstrap(): Promise<void> {
    const options = loadPredictorOptions();
    const rules = await loadLimitRules(options.rulesDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      this.logger.warn(`no limit rules at ${options.rulesDir}: nothing to predict until PREDICTOR_RULES_DIR names a directory of limits`);
      return [];
    });
    await initBackend((msg) => this.logger.log(msg));
    const service = (this.service = new PredictorService(options, rules));
    if (options.modelDir) {
      const loaded = await service.loadModels(new PredictorModelStore(options.modelDir), (line) => this.logger.warn(line));
      this.logger.log(`model store ${options.modelDir}: ${loaded} series model(s) loaded; new versions saved after each training`);
    }
    const f = service.forecaster.options;
    this.logger.log(
      `${rules.length} limit(s) from ${options.rulesDir} (${[...new Set(rules.map((r) => r.metric))].join(', ')}); ` +
        `LSTM ${f.units} units, window ${f.window}, horizon ${f.horizon} steps, cold start ${f.coldStartRows} rows, retrain every ${f.retrainEveryRows}`,
    );
    await this.stages.start({
      service: 'predictor',
      topics: [options.topics.metrics],
      handle: async (records, ctx) => {
        const emits = await service.handle(records, ctx);
        for (const e of emits) this.logger.log(describePrediction(e.value as PredictionEvent));
        return emits;
      },
    });
  }

  /** Models trained in the last batches are still being written: let them land. */
  async onApplicationShutdown(): Promise<void> {
    await this.service?.whenSaved();
  }
}

/** `prediction issued: disk_used_ratio on host-1 > 0.95 (disk-full) at 2026-…Z, p=0.62 (lstm-v1)` */
export function describePrediction(p: PredictionEvent): string {
  const when = p.status === 'withdrawn' ? '' : ` at ${new Date(p.expected_breach_at).toISOString()}, p=${p.probability.toFixed(2)}`;
  return `prediction ${p.status}: ${p.metric} on ${p.entity} ${p.limit.op} ${p.limit.value} (${p.limit.name})${when} (${p.model_version})`;
}
