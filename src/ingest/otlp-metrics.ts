import type { EntityResolver } from './entity.js';
import { arrayAt, attributes, nanosToMillis, objectAt, toDouble, toNumber, type Scalar } from './otlp-values.js';
import { sampleId } from './sample-ids.js';
import { invalid, type MetricSample, type Normalised } from './types.js';

export interface OtlpContext {
  tenant: string | undefined;
  entities: EntityResolver;
  /** Resource attributes copied into each sample's labels. */
  resourceLabels: string[];
}

const CUMULATIVE = 2;

/**
 * An ExportMetricsServiceRequest (OTLP/JSON or decoded protobuf) → one sample per data point
 * value. Gauges and non-monotonic sums are gauges; monotonic cumulative sums are counters.
 * Histograms and summaries become Prometheus-style series: `<name>_count`, `<name>_sum`,
 * `<name>_bucket{le}` (cumulative), `<name>{quantile}`; exponential histograms give count and sum.
 * Delta temporality makes every series a gauge (each value is that interval's own).
 */
export function otlpMetricSamples(req: Record<string, unknown>, ctx: OtlpContext): Normalised<MetricSample> {
  const records: MetricSample[] = [];
  let nonFinite = 0;
  arrayAt(req.resourceMetrics, 'resourceMetrics').forEach((rmRaw, r) => {
    const rPath = `resourceMetrics[${r}]`;
    const rm = objectAt(rmRaw, rPath);
    const resource = attributes((rm.resource as { attributes?: unknown } | undefined)?.attributes, `${rPath}.resource.attributes`);
    const resourceLabels: Record<string, string> = {};
    for (const k of ctx.resourceLabels) if (resource[k] !== undefined && resource[k] !== null) resourceLabels[k] = String(resource[k]);
    arrayAt(rm.scopeMetrics, `${rPath}.scopeMetrics`).forEach((smRaw, s) => {
      const sPath = `${rPath}.scopeMetrics[${s}]`;
      arrayAt(objectAt(smRaw, sPath).metrics, `${sPath}.metrics`).forEach((mRaw, m) => {
        const mPath = `${sPath}.metrics[${m}]`;
        const metric = objectAt(mRaw, mPath);
        const name = metric.name;
        if (typeof name !== 'string' || name === '') throw invalid(`${mPath}.name: must be a non-empty string`);
        const emit = (series: string, pointAttrs: Record<string, Scalar>, extra: Record<string, string>, time: number, value: number, kind: MetricSample['kind'], path: string) => {
          if (!Number.isFinite(value)) {
            nonFinite++;
            return;
          }
          const labels: Record<string, string> = { ...resourceLabels };
          for (const [k, v] of Object.entries(pointAttrs)) labels[k] = v === null ? '' : String(v);
          Object.assign(labels, extra);
          const entity = ctx.entities.resolve(pointAttrs, resource);
          if (entity === undefined) throw invalid(`${path}: no entity; set ${ctx.entities.describe()} on the resource or the data point, or INGEST_DEFAULT_ENTITY`);
          const out: MetricSample = { id: sampleId(ctx.tenant, series, labels, time), entity, metric: series, labels, timestamp: time, value, kind };
          if (ctx.tenant !== undefined) out.tenant = ctx.tenant;
          records.push(out);
        };
        const points = (kindName: string) => {
          const body = objectAt(metric[kindName], `${mPath}.${kindName}`);
          const pPath = `${mPath}.${kindName}.dataPoints`;
          return {
            body,
            list: arrayAt(body.dataPoints, pPath).map((p, i) => {
              const point = objectAt(p, `${pPath}[${i}]`);
              const path = `${pPath}[${i}]`;
              const time = nanosToMillis(point.timeUnixNano, `${path}.timeUnixNano`);
              if (time === undefined) throw invalid(`${path}.timeUnixNano: required`);
              return { point, path, time, attrs: attributes(point.attributes, `${path}.attributes`) };
            }),
          };
        };
        if (metric.gauge !== undefined || metric.sum !== undefined) {
          const kindName = metric.gauge !== undefined ? 'gauge' : 'sum';
          const { body, list } = points(kindName);
          const kind = kindName === 'sum' && body.isMonotonic === true && body.aggregationTemporality === CUMULATIVE ? 'counter' : 'gauge';
          for (const { point, path, time, attrs } of list) emit(name, attrs, {}, time, numberValue(point, path), kind, path);
        } else if (metric.histogram !== undefined || metric.exponentialHistogram !== undefined) {
          const kindName = metric.histogram !== undefined ? 'histogram' : 'exponentialHistogram';
          const { body, list } = points(kindName);
          const kind = body.aggregationTemporality === CUMULATIVE ? 'counter' : 'gauge';
          for (const { point, path, time, attrs } of list) {
            emit(`${name}_count`, attrs, {}, time, toNumber(point.count ?? 0, `${path}.count`), kind, path);
            if (point.sum !== undefined) emit(`${name}_sum`, attrs, {}, time, toDouble(point.sum, `${path}.sum`), kind, path);
            if (kindName !== 'histogram') continue;
            const counts = arrayAt(point.bucketCounts, `${path}.bucketCounts`);
            const bounds = arrayAt(point.explicitBounds, `${path}.explicitBounds`);
            if (counts.length > 0 && counts.length !== bounds.length + 1) throw invalid(`${path}.bucketCounts: has ${counts.length} buckets for ${bounds.length} explicitBounds (must be one more)`);
            let cumulative = 0;
            counts.forEach((c, b) => {
              cumulative += toNumber(c, `${path}.bucketCounts[${b}]`);
              const le = b < bounds.length ? String(toDouble(bounds[b], `${path}.explicitBounds[${b}]`)) : '+Inf';
              emit(`${name}_bucket`, attrs, { le }, time, cumulative, kind, path);
            });
          }
        } else if (metric.summary !== undefined) {
          const { list } = points('summary');
          for (const { point, path, time, attrs } of list) {
            emit(`${name}_count`, attrs, {}, time, toNumber(point.count ?? 0, `${path}.count`), 'counter', path);
            emit(`${name}_sum`, attrs, {}, time, toDouble(point.sum ?? 0, `${path}.sum`), 'counter', path);
            arrayAt(point.quantileValues, `${path}.quantileValues`).forEach((qRaw, q) => {
              const qv = objectAt(qRaw, `${path}.quantileValues[${q}]`);
              const quantile = String(toDouble(qv.quantile ?? 0, `${path}.quantileValues[${q}].quantile`));
              emit(name, attrs, { quantile }, time, toDouble(qv.value ?? 0, `${path}.quantileValues[${q}].value`), 'gauge', path);
            });
          }
        } else {
          throw invalid(`${mPath}: has no gauge, sum, histogram, exponentialHistogram or summary`);
        }
      });
    });
  });
  return { records, dropped: nonFinite > 0 ? { non_finite: nonFinite } : {} };
}

function numberValue(point: Record<string, unknown>, path: string): number {
  if (point.asDouble !== undefined) return toDouble(point.asDouble, `${path}.asDouble`);
  if (point.asInt !== undefined) return toNumber(point.asInt, `${path}.asInt`);
  // proto3 leaves a zero out of the wire: a point with neither field has the value 0.
  return 0;
}

/** Data points in a request, to count what a refused request held. */
export function countDataPoints(req: unknown): number {
  let n = 0;
  for (const rm of asArray((req as { resourceMetrics?: unknown })?.resourceMetrics)) {
    for (const sm of asArray((rm as { scopeMetrics?: unknown })?.scopeMetrics)) {
      for (const m of asArray((sm as { metrics?: unknown })?.metrics)) {
        const metric = (m ?? {}) as Record<string, { dataPoints?: unknown }>;
        for (const k of ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary']) n += asArray(metric[k]?.dataPoints).length;
      }
    }
  }
  return n;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
