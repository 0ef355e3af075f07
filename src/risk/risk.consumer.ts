import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { StagesService } from '../platform/app/stages.service.js';
import { BUS, VIGIL_CONFIG } from '../platform/app/tokens.js';
import type { Bus } from '../platform/bus/types.js';
import type { VigilConfig } from '../platform/config/options.js';
import { initBackend } from '../platform/ml/backend.js';
import { RiskFeatureState, type SerialisedFeatureState } from './features/feature-state.js';
import { modelVersion } from './model/model-version.js';
import { RiskModel } from './model/risk-model.js';
import { attachRetraining } from './retrain/attach-retraining.js';
import type { Retrainer } from './retrain/retrainer.js';
import { RiskScorer } from './risk-scorer.js';
import { riskMetrics } from './risk.metrics.js';
import { DEFAULT_MODEL_DIR, loadRiskOptions, type RiskServiceOptions } from './risk.options.js';
import { RiskService } from './risk.service.js';
import { startRiskStages } from './risk.stages.js';
import { warmUp } from './warm-up.js';
import { loadRiskRules } from './rules/load-rules.js';
import { FEATURE_STATE_FILE } from './train.js';

/** Model version when no model is loaded. */
export const RULES_ONLY = 'rules-only';

/**
 * Builds the risk service from its options: the model (with a content-hash version), the rule
 * files, and the feature state saved beside the model when there is one. Used by the Kafka
 * consumer below and by the benchmark.
 */
export async function loadRiskService(options: RiskServiceOptions, log: (msg: string) => void): Promise<RiskService> {
  const rules = await loadRiskRules(options.rulesDir, { thresholds: options.thresholds });
  log(`rules from ${options.rulesDir}: ${rules.limits.length} limit(s), ${rules.lists.length} list(s); review at ${rules.thresholds.review}, decline at ${rules.thresholds.decline}`);
  let model: RiskModel | undefined;
  let version = RULES_ONLY;
  let state = new RiskFeatureState();
  if (options.modelDir) {
    const backend = await initBackend(log);
    model = await RiskModel.load(options.modelDir);
    version = await modelVersion(options.modelDir, model);
    log(`model ${version} from ${options.modelDir} (${options.modelSource === 'default' ? 'default location' : 'RISK_MODEL_DIR'}) on ${backend}: trained on ${model.metadata.trainedRows} rows, labels known by ${String(model.metadata.provenance.cutoff ?? '?')}`);
    const stateFile = join(options.modelDir, FEATURE_STATE_FILE);
    if (options.warmState && existsSync(stateFile)) {
      state = RiskFeatureState.fromJSON(JSON.parse(await readFile(stateFile, 'utf8')) as SerialisedFeatureState);
      log(`feature state from ${stateFile}: ${state.customerCount} customers, ${state.terminalCount} terminals, ${state.pendingLabelCount} pending labels`);
    }
  } else {
    log(`no model: RISK_MODEL_DIR is not set and ${DEFAULT_MODEL_DIR} has none (\`vigil risk train --data FILE\` writes one there). Running RULES ONLY: probability 0, decisions from rules/risk alone`);
  }
  riskMetrics.model.labels(version).set(1);
  riskMetrics.modelSince.set(Date.now() / 1000);
  const scorerOptions = { reasons: options.reasons, dedupeCapacity: options.dedupeCapacity };
  if (options.warmUpTransactions > 0) {
    const w = warmUp(model, rules, scorerOptions, options.warmUpTransactions);
    log(`warmed up on ${w.transactions} synthetic transactions in ${Math.round(w.ms)} ms (first batch ${w.firstBatchMs.toFixed(1)} ms, last ${w.lastBatchMs.toFixed(2)} ms); the live feature state is untouched`);
  }
  const scorer = new RiskScorer(model, rules, state, scorerOptions);
  if (options.currencies) log(`accepting currencies ${[...options.currencies].join(', ')}; others go to ${options.topics.transactions}.dlq (reason rejected)`);
  log(`labels count from max(label timestamp, transaction time + ${options.labelDelayMs / 86_400_000} d)`);
  return new RiskService(scorer, options, version);
}

/**
 * Kafka in: consumes risk.transactions as the consumer group `<prefix>-risk` (partitions shared
 * between risk processes) and every partition of risk.labels in a group of this process's own
 * (see startRiskStages), scores each transaction batch and appends the scores to risk.scores
 * before committing.
 *
 * State: one feature state for every partition this process is given. Label features (terminal
 * fraud rates, amount bands) come from every label, so they agree between processes; customer
 * and terminal transaction features come from this process's partitions, and nothing of them is
 * rebuilt on a rebalance, see README "State and rebalancing".
 */
@Injectable()
export class RiskConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Risk');
  private retrainer: Retrainer | undefined;

  constructor(
    @Inject(StagesService) private readonly stages: StagesService,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(VIGIL_CONFIG) private readonly config: VigilConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const options = loadRiskOptions();
    const log = (msg: string) => this.logger.log(msg);
    const service = await loadRiskService(options, log);
    this.retrainer = attachRetraining(service, options.retrain, options.modelDir, log);
    await startRiskStages(
      {
        start: (o) => this.stages.start(o),
        endOffsets: (topic) => this.bus.endOffsets(topic),
        groupPrefix: this.config.groupPrefix,
        log,
        onAssignment: (assigned) => {
          const count = assigned.filter((a) => a.topic === options.topics.transactions).length;
          this.logger.log(`assigned ${count} partition(s) of ${options.topics.transactions}; feature state kept for all (${service.scorer.features.customerCount} customers held)`);
        },
      },
      service,
      options,
    );
    this.retrainer?.start();
  }

  /** Abandons a retrain in progress without waiting for it: shutdown is not held up by training. */
  beforeApplicationShutdown(): void {
    this.retrainer?.stop();
  }
}
