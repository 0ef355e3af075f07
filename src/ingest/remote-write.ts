import { uncompressSync } from 'snappy';
import type { EntityResolver } from './entity.js';
import { TYPES, decodeProto } from './proto-root.js';
import { labelsKey, seriesHash, seriesSampleId } from './sample-ids.js';
import { IngestError, invalid, type MetricSample, type Normalised } from './types.js';

/** Names Prometheus gives cumulative series: counters and the parts of histograms and summaries. */
const COUNTER_SUFFIXES = ['_total', '_count', '_sum', '_bucket'];

/**
 * A remote_write body (snappy block format around a prometheus.WriteRequest) → the request.
 * The uncompressed length is read from the snappy preamble first, so an oversized body is
 * refused (413) before it is inflated.
 */
export function decodeRemoteWrite(body: Buffer, maxDecodedBytes: number): Record<string, unknown> {
  if (body.length === 0) throw invalid('body: empty; remote_write sends a snappy-compressed prometheus.WriteRequest');
  const size = snappyLength(body);
  if (size === undefined) throw invalid('body: not snappy block-compressed (Content-Encoding: snappy, as Prometheus sends it)');
  if (size > maxDecodedBytes) throw new IngestError(413, 'too_large', `body: ${size} bytes once decompressed, the limit is ${maxDecodedBytes}`);
  let raw: Buffer;
  try {
    raw = uncompressSync(body, { asBuffer: true }) as Buffer;
  } catch (err) {
    throw invalid(`body: not snappy block-compressed: ${(err as Error).message}`);
  }
  try {
    return decodeProto(TYPES.writeRequest, raw);
  } catch (err) {
    throw invalid(`body: not a prometheus.WriteRequest: ${(err as Error).message}`);
  }
}

/** Snappy's preamble: the uncompressed length as a little-endian base-128 varint. */
function snappyLength(b: Buffer): number | undefined {
  let n = 0;
  for (let i = 0; i < 5 && i < b.length; i++) {
    n += (b[i]! & 0x7f) * 2 ** (7 * i);
    if ((b[i]! & 0x80) === 0) return n;
  }
  return undefined;
}

export interface RemoteWriteContext {
  tenant: string | undefined;
  entities: EntityResolver;
  /** Metric families remote_write metadata said are counters. */
  counters: ReadonlySet<string>;
}

/**
 * One record per sample: the series' labels less __name__, the entity from the configured
 * labels. Non-finite values (NaN is also Prometheus' staleness marker) cannot travel in JSON:
 * they are dropped and counted. A series without a name or an entity makes the request a 400.
 */
export function remoteWriteSamples(req: Record<string, unknown>, ctx: RemoteWriteContext): Normalised<MetricSample> {
  const records: MetricSample[] = [];
  let nonFinite = 0;
  const series = (req.timeseries as Array<{ labels?: Array<{ name?: string; value?: string }>; samples?: Array<{ value?: number; timestamp?: string }> }> | undefined) ?? [];
  series.forEach((ts, i) => {
    const labels: Record<string, string> = {};
    let metric: string | undefined;
    for (const l of ts.labels ?? []) {
      const name = l.name ?? '';
      if (name === '__name__') metric = l.value ?? '';
      else if (name !== '') labels[name] = l.value ?? '';
    }
    const samples = ts.samples ?? [];
    if (!metric) throw invalid(`timeseries[${i}].labels: no __name__ label`, samples.length);
    const entity = ctx.entities.resolve(labels);
    if (entity === undefined) throw invalid(`timeseries[${i}] (${metric}): no entity label; set ${ctx.entities.describe()} or INGEST_DEFAULT_ENTITY`, samples.length);
    const key = seriesHash(ctx.tenant, metric, labelsKey(labels));
    const kind = COUNTER_SUFFIXES.some((s) => metric.endsWith(s)) || ctx.counters.has(metric) ? 'counter' : 'gauge';
    samples.forEach((s, j) => {
      const value = s.value ?? 0;
      if (!Number.isFinite(value)) {
        nonFinite++;
        return;
      }
      const timestamp = Number(s.timestamp ?? 0);
      if (!(timestamp >= 0)) throw invalid(`timeseries[${i}].samples[${j}].timestamp: must be milliseconds since the epoch, not ${s.timestamp}`);
      const out: MetricSample = { id: seriesSampleId(key, timestamp), entity, metric, labels, timestamp, value, kind };
      if (ctx.tenant !== undefined) out.tenant = ctx.tenant;
      records.push(out);
    });
  });
  return { records, dropped: nonFinite > 0 ? { non_finite: nonFinite } : {} };
}

/** Metric families marked COUNTER in a metadata-carrying WriteRequest. */
export function counterFamilies(req: Record<string, unknown>): string[] {
  const meta = (req.metadata as Array<{ type?: number; metricFamilyName?: string }> | undefined) ?? [];
  return meta.filter((m) => m.type === 1 && m.metricFamilyName).map((m) => m.metricFamilyName!);
}
