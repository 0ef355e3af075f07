import { BadRequestException, Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { RECO_CONFIG, type RecoServiceConfig } from './options.js';
import { recoMetrics as m } from './reco.metrics.js';
import { RecoService } from './reco.service.js';
import type { Recommendation } from './types.js';
import type { RecommenderStats } from './model/recommender.js';
import type { RankedAction } from './remediation-ranking.js';

export interface RecommendationsResponse {
  user: string;
  k: number;
  model_version: string;
  /** Best first; `source` says whether the item model or the popularity fallback chose it. */
  items: Recommendation[];
}

/** HTTP: top-K for a user now (reflecting every interaction read so far), and model stats. */
@Controller()
export class RecoController {
  constructor(
    private readonly reco: RecoService,
    @Inject(RECO_CONFIG) private readonly config: RecoServiceConfig,
  ) {}

  @Get('recommendations/:user')
  recommendations(@Param('user') user: string, @Query('k') k?: unknown): RecommendationsResponse {
    const started = process.hrtime.bigint();
    let code = '200';
    try {
      const n = this.parseK(k);
      const { model_version, items } = this.reco.recommend(user, n);
      return { user, k: n, model_version, items };
    } catch (err) {
      code = err instanceof BadRequestException ? '400' : '500';
      throw err;
    } finally {
      m.requests.labels(code).inc();
      m.requestDuration.labels(code).observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /**
   * Remediation actions ranked for an incident from past outcomes on aiops.remediations, for the
   * incidents service: `?fingerprint=<f>&labels=k=v,k2=v2&entity_kind=host&candidates=restart,scale`.
   * Outcomes read without their incident's record are filed under `incident:<incident_id>`.
   */
  @Get('reco/actions')
  actions(
    @Query('fingerprint') fingerprint?: unknown,
    @Query('labels') labels?: unknown,
    @Query('entity_kind') entityKind?: unknown,
    @Query('candidates') candidates?: unknown,
  ): { actions: RankedAction[] } {
    if (typeof fingerprint !== 'string' || fingerprint === '') throw new BadRequestException('fingerprint is required');
    const list = (v: unknown, name: string): string[] => {
      if (v === undefined || v === '') return [];
      if (typeof v !== 'string') throw new BadRequestException(`${name} must be given once, comma-separated`);
      return v.split(',').filter((x) => x !== '');
    };
    const pairs: Record<string, string> = {};
    for (const kv of list(labels, 'labels')) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new BadRequestException(`labels must be k=v pairs, got ${JSON.stringify(kv)}`);
      pairs[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    if (entityKind !== undefined && typeof entityKind !== 'string') throw new BadRequestException('entity_kind must be given once');
    const wanted = list(candidates, 'candidates');
    const incident = { fingerprint, labels: pairs, ...(entityKind ? { entityKind } : {}) };
    return { actions: this.reco.rankActions(incident, wanted.length > 0 ? wanted : undefined) };
  }

  @Get('reco/stats')
  stats(): RecommenderStats & { lastRefitError?: string } {
    const error = this.reco.recommender.lastRefitError;
    return { ...this.reco.recommender.stats(), ...(error ? { lastRefitError: error.message } : {}) };
  }

  private parseK(k: unknown): number {
    if (k === undefined) return Math.min(10, this.config.maxK);
    const max = this.config.maxK;
    if (typeof k !== 'string' || !/^\d{1,7}$/.test(k) || Number(k) < 1 || Number(k) > max) {
      throw new BadRequestException(`k must be an integer from 1 to ${max}, got ${JSON.stringify(k)}`);
    }
    return Number(k);
  }
}
