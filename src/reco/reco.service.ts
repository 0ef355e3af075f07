import type { WithFields } from '../platform/streams/record-shapes.js';
import type { RecoInteractions } from '../platform/streams/records/reco.interactions.js';
import type { RecoRecommendations } from '../platform/streams/records/reco.recommendations.js';
import { Recommender } from './model/recommender.js';
import type { Recommendation } from './types.js';
import type { RecommenderOptions } from './model/options.js';
import { remediationOutcomeEvent, type RemediationRecord } from './remediation-events.js';
import {
  RemediationRanker,
  type IncidentDescriptor,
  type RankedAction,
  type RemediationRankingOptions,
} from './remediation-ranking.js';

/** A `reco.interactions` record (generated); `respond` asks for a `reco.recommendations` record in reply. */
export type InteractionMessage = RecoInteractions;

/** A `reco.recommendations` record as the service writes it: with its model version. */
export type RecommendationsMessage = WithFields<RecoRecommendations, 'model_version'>;

export interface RecoServiceOptions {
  /** Length of the lists published in reply to interactions. */
  k: number;
  recommender: Partial<RecommenderOptions>;
  remediation: Partial<RemediationRankingOptions>;
}

/**
 * The recommender service's logic, without I/O: what to do with each record of
 * `reco.interactions` and `aiops.remediations`, and what to answer a top-K or action-ranking
 * request with. The Kafka consumer and HTTP controller call this.
 */
export class RecoService {
  readonly recommender: Recommender;
  readonly remediations: RemediationRanker;
  private readonly k: number;

  constructor(options: Partial<RecoServiceOptions> = {}) {
    this.recommender = new Recommender(options.recommender);
    this.remediations = new RemediationRanker(options.remediation);
    this.k = options.k ?? 10;
  }

  /**
   * Learn from one interaction; when it asks (`respond`), the recommendations to publish, which
   * already reflect it. The reply's id derives from the input, so a redelivery yields the same id.
   */
  onInteraction(message: InteractionMessage): RecommendationsMessage | undefined {
    const { user, item, timestamp, weight } = message;
    this.recommender.add(weight === undefined ? { user, item, timestamp } : { user, item, timestamp, weight });
    if (!message.respond) return undefined;
    const source = message.id ?? `${user}/${item}/${timestamp}`;
    return this.topK(user, this.k, timestamp, `${source}/reco`);
  }

  /**
   * Learn from a run of interactions in order. Each is folded into the item model on its own
   * (`add`) while `foldInBudgetMs` lasts; the rest update their users' rows at once and reach the
   * item model at the next refit, which starts here when enough events are waiting. A user's next
   * `topK` reflects every interaction given, either way. Returns how many were folded in.
   */
  learn(messages: readonly InteractionMessage[], foldInBudgetMs = Infinity): number {
    const end = performance.now() + foldInBudgetMs;
    let i = 0;
    if (foldInBudgetMs > 0) {
      for (; i < messages.length && performance.now() < end; i++) this.recommender.add(interaction(messages[i]!));
    }
    if (i < messages.length) {
      this.recommender.addAll(messages.slice(i).map(interaction));
      const { refitEvery } = this.recommender.options;
      const s = this.recommender.stats();
      if (refitEvery > 0 && s.eventsSinceFit >= refitEvery && !s.refitting) this.recommender.refitInBackground().catch(() => undefined);
    }
    return i;
  }

  /** Top-K for a user now with where each item came from (model or popularity fallback), for HTTP. */
  recommend(user: string, k = this.k): { model_version: string; items: Recommendation[] } {
    return { model_version: this.recommender.stats().modelVersion, items: this.recommender.recommend(user, k) };
  }

  /** Top-K for a user now (HTTP), as a `reco.recommendations` record. */
  topK(user: string, k = this.k, timestamp = Date.now(), id = `${user}/${timestamp}/reco`): RecommendationsMessage {
    return {
      id,
      user,
      timestamp,
      model_version: this.recommender.stats().modelVersion,
      items: this.recommender.recommend(user, k).map(({ item, score }) => ({ item, score })),
    };
  }

  /** Learn from one `aiops.remediations` record (decisions that are not outcomes are skipped). */
  onRemediation(record: RemediationRecord, incident?: IncidentDescriptor): boolean {
    const event = remediationOutcomeEvent(record, incident);
    if (event) this.remediations.record(event);
    return event !== undefined;
  }

  rankActions(incident: IncidentDescriptor, candidates?: readonly string[]): RankedAction[] {
    return this.remediations.rank(incident, candidates);
  }
}

function interaction({ user, item, timestamp, weight }: InteractionMessage): { user: string; item: string; timestamp: number; weight?: number } {
  return weight === undefined ? { user, item, timestamp } : { user, item, timestamp, weight };
}
