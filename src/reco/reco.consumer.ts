import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { StagesService } from '../platform/app/stages.service.js';
import { derivedId } from '../platform/bus/message-id.js';
import type { Emit, InRecord } from '../platform/stage/types.js';
import { RECO_CONFIG, RECO_TOPICS, type RecoServiceConfig } from './options.js';
import { recoMetrics as m } from './reco.metrics.js';
import { RecoService, type InteractionMessage } from './reco.service.js';
import type { RemediationRecord } from './remediation-events.js';

/**
 * Kafka in: `reco.interactions` keep the model current (and `respond: true` ones get a
 * `reco.recommendations` record), `aiops.remediations` outcomes feed the action ranking.
 *
 * The model is global — every user's events shape item similarity — and every process answers
 * HTTP for any user, so each process reads every partition under a consumer group of its own,
 * from the start of the topic (its retention is the model's memory): a restarted process
 * rebuilds its state by replay. See README ("Partitions and state").
 */
@Injectable()
export class RecoConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  /** Interactions appended before this are history; see replyMaxAgeMs and the delay metric. */
  readonly startedAt = Date.now();
  private refitTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stages: StagesService,
    private readonly reco: RecoService,
    @Inject(RECO_CONFIG) private readonly config: RecoServiceConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.stages.start<unknown>({
      service: 'reco',
      groupId: this.config.groupId,
      topics: [RECO_TOPICS.interactions, RECO_TOPICS.remediations],
      fromBeginning: true,
      deleteGroupOnStop: this.config.groupPerStart,
      handle: async (records) => this.handle(records),
    });
    if (this.config.refitIntervalMs > 0) {
      // Quiet streams too get other users' events into the item model (busy ones refit by count).
      this.refitTimer = setInterval(() => {
        const s = this.reco.recommender.stats();
        if (s.eventsSinceFit > 0 && !s.refitting) this.reco.recommender.refitInBackground().catch(() => undefined);
      }, this.config.refitIntervalMs);
      this.refitTimer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.refitTimer);
    await this.reco.recommender.close();
  }

  /** One batch of one partition (the platform never mixes topics in a batch). */
  async handle(records: InRecord<unknown>[]): Promise<Emit[]> {
    if (records[0]?.topic === RECO_TOPICS.remediations) {
      for (const r of records) m.remediations.labels(String(this.reco.onRemediation(r.value as RemediationRecord))).inc();
      return [];
    }
    return this.onInteractions(records as InRecord<InteractionMessage>[]);
  }

  private async onInteractions(records: InRecord<InteractionMessage>[]): Promise<Emit[]> {
    const out: Emit[] = [];
    const budgetEnd = performance.now() + this.config.foldInBudgetMs;
    let from = 0;
    const learnUpTo = (end: number) => {
      if (end <= from) return;
      const messages = records.slice(from, end).map((r) => r.value);
      const folded = this.reco.learn(messages, Math.max(0, budgetEnd - performance.now()));
      m.interactions.labels('fold_in').inc(folded);
      m.interactions.labels('row').inc(messages.length - folded);
      from = end;
    };
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      if (!r.value.respond) {
        // A big batch (a backlog) is learned in chunks, letting HTTP requests in between.
        if (i + 1 - from >= this.config.learnChunk) {
          learnUpTo(i + 1);
          await yieldToLoop();
        }
        continue;
      }
      learnUpTo(i + 1);
      if (r.timestamp < this.startedAt - this.config.replyMaxAgeMs) {
        m.replies.labels('skipped_stale').inc();
        continue;
      }
      const id = derivedId(r, 'recommendations');
      out.push({
        topic: RECO_TOPICS.recommendations,
        key: r.value.user,
        value: this.reco.topK(r.value.user, this.config.replyK, r.value.timestamp, id),
        id,
        source: r,
      });
      m.replies.labels('published').inc();
    }
    learnUpTo(records.length);
    const now = Date.now();
    for (const r of records) if (r.timestamp >= this.startedAt) m.updateDelay.observe(Math.max(0, now - r.timestamp) / 1000);
    return out;
  }
}
