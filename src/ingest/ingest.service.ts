import { CounterRates } from '../platform/series/counter-rates.js';
import type { SchemaRegistry } from '../platform/streams/validator.js';
import { EntityResolver } from './entity.js';
import type { IngestOptions } from './options.js';
import { countLogRecords, otlpLogEntries } from './otlp-logs.js';
import { countDataPoints, otlpMetricSamples } from './otlp-metrics.js';
import { jsonItems, jsonLogs, jsonSamples } from './plain-json.js';
import { counterFamilies, remoteWriteSamples } from './remote-write.js';
import { invalid, type LogEntry, type MetricSample, type Normalised } from './types.js';

/** Remembered counter families from remote_write metadata, bounded. */
const MAX_COUNTER_FAMILIES = 100_000;

/**
 * The gateway's logic, no I/O: every input shape → records of telemetry.metrics and
 * telemetry.logs, checked against their schemas. Counters become rates here only when
 * configured (INGEST_COUNTER_RATES), with the reset rule Prometheus' rate() uses.
 */
export class IngestService {
  readonly entities: EntityResolver;
  private readonly rates = new CounterRates();
  private readonly counters = new Set<string>();

  constructor(
    readonly options: IngestOptions,
    private readonly schemas: SchemaRegistry,
  ) {
    this.entities = new EntityResolver(options.entityLabels, options.defaultEntity);
  }

  remoteWrite(req: Record<string, unknown>, tenant: string | undefined): Normalised<MetricSample> {
    for (const family of counterFamilies(req)) {
      if (this.counters.size >= MAX_COUNTER_FAMILIES) this.counters.clear();
      this.counters.add(family);
    }
    return this.finishMetrics(remoteWriteSamples(req, { tenant, entities: this.entities, counters: this.counters }));
  }

  otlpMetrics(req: Record<string, unknown>, tenant: string | undefined): Normalised<MetricSample> {
    return this.finishMetrics(otlpMetricSamples(req, this.otlpContext(tenant)));
  }

  otlpLogs(req: Record<string, unknown>, tenant: string | undefined, contentHash: string, now = Date.now()): Normalised<LogEntry> {
    return this.check(this.options.topics.logs, otlpLogEntries(req, this.otlpContext(tenant), contentHash, now));
  }

  jsonMetrics(body: unknown, tenant: string | undefined, contentHash: string, now = Date.now()): Normalised<MetricSample> {
    return this.finishMetrics(jsonSamples(jsonItems(body), { tenant, entities: this.entities, now, contentHash }));
  }

  jsonLogs(body: unknown, tenant: string | undefined, contentHash: string, now = Date.now()): Normalised<LogEntry> {
    return this.check(this.options.topics.logs, jsonLogs(jsonItems(body), { tenant, entities: this.entities, now, contentHash }));
  }

  /** How many samples a request held, for counting a refused one. */
  static count(kind: 'otlp_metrics' | 'otlp_logs', req: unknown): number {
    return kind === 'otlp_metrics' ? countDataPoints(req) : countLogRecords(req);
  }

  private otlpContext(tenant: string | undefined) {
    return { tenant, entities: this.entities, resourceLabels: this.options.resourceLabels };
  }

  private finishMetrics(n: Normalised<MetricSample>): Normalised<MetricSample> {
    return this.check(this.options.topics.metrics, this.options.counterRates ? this.toRates(n) : n);
  }

  /**
   * Cumulative counters → per-second rates, per series (tenant + entity + metric + labels, the
   * platform's series identity); a series' first sample only sets its baseline.
   */
  private toRates(n: Normalised<MetricSample>): Normalised<MetricSample> {
    const dropped = { ...n.dropped };
    const records: MetricSample[] = [];
    for (const s of n.records) {
      if (s.kind !== 'counter') {
        records.push(s);
        continue;
      }
      const r = this.rates.rate(s, s.timestamp, s.value);
      if (r.ok) records.push({ ...s, value: r.rate, kind: 'rate' });
      else dropped[r.reason] = (dropped[r.reason] ?? 0) + 1;
    }
    return { records, dropped };
  }

  /** Every record against its topic's schema: a record the topic would refuse makes the request a 400. */
  private check<T extends MetricSample | LogEntry>(topic: string, n: Normalised<T>): Normalised<T> {
    n.records.forEach((r, i) => {
      const v = this.schemas.validate(topic, r);
      if (!v.ok) {
        const what = 'metric' in r ? `${r.metric} of ${r.entity}` : `log of ${r.entity}`;
        throw invalid(`record ${i} (${what}): ${v.error}`, n.records.length);
      }
    });
    return n;
  }
}
