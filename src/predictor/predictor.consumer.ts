import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { ChangelogsService } from '../platform/app/changelogs.service.js';
import { StagesService } from '../platform/app/stages.service.js';
import { initBackend } from '../platform/ml/backend.js';
import type { Changelog } from '../platform/state/types.js';
import { loadLimitRules } from './limits/limit-rules.js';
import { PredictorModelStore } from './model-store/predictor-model-store.js';
import { loadPredictorOptions } from './options.js';
import { PredictorCheckpoints } from './predictor-checkpoints.js';
import { PredictorService } from './predictor.service.js';
import type { PredictionEvent } from './types.js';

export interface PredictorStartDeps {
  readonly stages: Pick<StagesService, 'start'>;
  /** aiops.predictor-state: where entities' checkpoints go and come back from. */
  readonly changelog: Changelog;
  readonly log: (line: string) => void;
}


/**
 * The predictor's stage over telemetry.metrics: restores a partition's entities before its
 * first batch, checkpoints them as they go (before each batch commits) and at stop, forgets
 * them when the partition moves away.
 */
export async function startPredictor(service: PredictorService, deps: PredictorStartDeps): Promise<void> {
  const checkpoints = new PredictorCheckpoints(service, deps.changelog, deps.log);
  await deps.stages.start(
    checkpoints.stage({
      service: 'predictor',
      topics: [service.options.topics.metrics],
      handle: async (records, ctx) => {
        const emits = await service.handle(records, ctx);
        for (const e of emits) deps.log(describePrediction(e.value as PredictionEvent));
        return emits;
      },
    }),
  );
}

/**
 * Kafka in: consumes telemetry.metrics as the group `<prefix>-predictor` and appends
 * predictions to aiops.predictions before committing. Series state (history, models, selection
 * errors, open predictions) lives with the entity's telemetry.metrics partition: restored from
 * aiops.predictor-state when the partition is assigned here, checkpointed there as it goes and
 * at stop. Trained models are also exported to PREDICTOR_MODEL_DIR, for offline use only.
 */
@Injectable()
export class PredictorConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Predictor');
  service: PredictorService | undefined;

  constructor(
    @Inject(StagesService) private readonly stages: StagesService,
    @Inject(ChangelogsService) private readonly changelogs: ChangelogsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const options = loadPredictorOptions();
    // No directory at all is a predictor with nothing to do yet, not a mistake in the rules.
    const present = existsSync(options.rulesDir);
    if (!present) this.logger.warn(`no limit rules at ${options.rulesDir}: nothing to predict until PREDICTOR_RULES_DIR names a directory of limits`);
    const rules = present ? await loadLimitRules(options.rulesDir) : [];
    await initBackend((msg) => this.logger.log(msg));
    const service = (this.service = new PredictorService(options, rules));
    service.logTo((line) => this.logger.warn(line));
    if (options.modelDir) {
      service.exportModelsTo(new PredictorModelStore(options.modelDir));
      this.logger.log(`models exported to ${options.modelDir} after each training (for offline use; never read back)`);
    }
    const f = service.forecaster.options;
    this.logger.log(
      `${rules.length} limit(s) from ${options.rulesDir} (${[...new Set(rules.map((r) => r.metric))].join(', ')}); ` +
        `LSTM ${f.units} units, window ${f.window}, horizon ${f.horizon} steps, cold start ${f.coldStartRows} rows, retrain every ${f.retrainEveryRows}`,
    );
    const changelog = await this.changelogs.get(options.topics.state);
    this.logger.log(`series state: checkpointed to ${options.topics.state} per entity when a series trains or a prediction opens or closes, every ${options.checkpointRows} steps of its series and at stop; restored per partition`);
    await startPredictor(service, { stages: this.stages, changelog, log: (line) => this.logger.log(line) });
  }

  /** Models trained in the last batches are still being exported: let them land. */
  async onApplicationShutdown(): Promise<void> {
    await this.service?.whenSaved();
  }
}

/** `prediction issued: disk_used_ratio on host-1 > 0.95 (disk-full) at 2026-…Z, p=0.62 (lstm-v1)` */
export function describePrediction(p: PredictionEvent): string {
  const when = p.status === 'withdrawn' ? '' : ` at ${new Date(p.expected_breach_at).toISOString()}, p=${p.probability.toFixed(2)}`;
  return `prediction ${p.status}: ${p.metric} on ${p.entity} ${p.limit.op} ${p.limit.value} (${p.limit.name})${when} (${p.model_version})`;
}
