import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { BUS, CATALOGUE, VIGIL_CONFIG } from '../platform/app/tokens.js';
import type { Bus } from '../platform/bus/types.js';
import type { VigilConfig } from '../platform/config/options.js';
import { StageRunner } from '../platform/stage/stage-runner.js';
import type { Emit, HandlerContext, InRecord } from '../platform/stage/types.js';
import type { Catalogue } from '../platform/streams/catalogue.js';
import { SchemaRegistry } from '../platform/streams/validator.js';
import { IngestService } from './ingest.service.js';
import { ingestMetrics as m } from './ingest.metrics.js';
import { inputCatalogue, inputTopicSpecs } from './kafka-input-topics.js';
import { INGEST_OPTIONS } from './tokens.js';
import type { IngestOptions } from './options.js';
import { metricBatches } from '../platform/series/metric-batches.js';
import { IngestError, type LogEntry, type MetricSample } from './types.js';

/**
 * Kafka in, for producers that write straight to Kafka: the Collector's kafka exporter puts one
 * OTLP/JSON export request per record on otlp_metrics / otlp_logs. Each is normalised like an
 * OTLP/HTTP request and forwarded to telemetry.metrics / telemetry.logs by the platform's stage
 * (outputs acknowledged before the commit); a record that is not JSON, not an export request, or
 * that normalisation refuses goes to `<topic>.dlq` with the reason.
 */
@Injectable()
export class IngestConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Ingest');
  private runner: StageRunner<Record<string, unknown>> | undefined;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CATALOGUE) private readonly catalogue: Catalogue,
    @Inject(VIGIL_CONFIG) private readonly config: VigilConfig,
    @Inject(INGEST_OPTIONS) private readonly options: IngestOptions,
    @Inject(IngestService) private readonly service: IngestService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.kafkaInput) {
      this.logger.log('not consuming Collector kafka exporter topics (INGEST_KAFKA_INPUT=false)');
      return;
    }
    const inputs = this.options.kafkaTopics;
    const catalogue = inputCatalogue(this.catalogue, inputs);
    const names = [inputs.metrics, inputs.logs];
    const missing: string[] = [];
    for (const name of names) {
      // Kafka's admin throws for a topic it does not have; the in-process bus answers with none.
      const exists = await this.bus.endOffsets(name).then((o) => o.length > 0, () => false);
      if (!exists) missing.push(name);
    }
    const changes = await this.bus.applyTopics(inputTopicSpecs(catalogue, missing, names, this.config.replicationFactor));
    if (changes.length > 0) this.logger.log(`input topics: ${changes.join('; ')}`);
    // Its own registry: the input topics may have been renamed (INGEST_KAFKA_*_TOPIC).
    this.runner = new StageRunner<Record<string, unknown>>(this.bus, catalogue, new SchemaRegistry(catalogue), {
      service: 'ingest',
      groupId: `${this.config.groupPrefix}-ingest`,
      topics: names,
      maxInFlight: this.config.maxInFlight,
      maxRecordBytes: this.config.maxRecordBytes,
      maxAttempts: this.config.maxAttempts,
      handle: (records, ctx) => this.handle(records, ctx),
    });
    await this.runner.start();
    this.logger.log(`consuming ${names.join(', ')} (Collector kafka exporter, encoding otlp_json) on the ${this.bus.kind} bus`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
  }

  /** Each export request → its log records, or its samples batched per entity; keyed by entity, ids derived from their content. */
  async handle(records: InRecord<Record<string, unknown>>[], ctx: HandlerContext): Promise<Emit[]> {
    const emits: Emit[] = [];
    for (const r of records) {
      const logs = r.topic === this.options.kafkaTopics.logs;
      const signal = logs ? 'logs' : 'metrics';
      try {
        const n = logs
          ? this.service.otlpLogs(r.value, undefined, `${r.topic}/${r.partition}/${r.offset}`, r.timestamp)
          : this.service.otlpMetrics(r.value, undefined);
        if (logs) for (const out of n.records as LogEntry[]) emits.push({ topic: this.options.topics.logs, key: out.entity, value: out, id: out.id, source: r });
        // Samples as ingest writes them over HTTP: one record per entity of the request.
        else for (const b of metricBatches(n.records as MetricSample[])) emits.push({ topic: this.options.topics.metrics, key: b.entity, value: b.value, id: b.id, source: r });
        for (const [reason, count] of Object.entries(n.dropped)) m.rejected.labels('kafka', signal, reason).inc(count);
        m.accepted.labels('kafka', signal).inc(n.records.length);
      } catch (err) {
        if (!(err instanceof IngestError)) throw err;
        ctx.reject(r, err.message);
        m.rejected.labels('kafka', signal, err.reason).inc(Math.max(1, IngestService.count(logs ? 'otlp_logs' : 'otlp_metrics', r.value)));
      }
    }
    return emits;
  }
}
