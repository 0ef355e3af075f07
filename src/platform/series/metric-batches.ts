import { messageId } from '../bus/message-id.js';
import type { MetricBatchValue, MetricPointValue, MetricSampleValue } from './metric-sample.js';

/** A batch's JSON stays well under the topic's 1 MiB records (and the consumers' limit). */
const MAX_BATCH_BYTES = 256 * 1024;

/** One telemetry.metrics record in the batched form: its JSON, key and id. */
export interface MetricBatch {
  entity: string;
  id: string;
  value: MetricBatchValue;
  /** `value` as JSON, built as the batch was cut to size. */
  json: string;
}

/** A sample with the id its producer gave it (ingest: series and timestamp; the demo: likewise). */
export type IdentifiedSample = MetricSampleValue & { id: string };

/**
 * A request's samples as telemetry.metrics records, as Vigil's producers write them: one per
 * (tenant, entity), in the order the entities first appear, each holding that entity's samples in request order (split only past
 * MAX_BATCH_BYTES). The samples inside carry no id of their own: the record's id (its `id` and
 * `vigil-id`) is derived from theirs, so a retry of the same request re-produces it and consumers
 * can drop the repeat.
 */
export function metricBatches(samples: readonly IdentifiedSample[]): MetricBatch[] {
  const groups = new Map<string, IdentifiedSample[]>();
  for (const s of samples) {
    const k = s.tenant === undefined ? `\u0000${s.entity}` : `${s.tenant}\u0000${s.entity}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(s);
  }
  const out: MetricBatch[] = [];
  for (const group of groups.values()) {
    const { tenant, entity } = group[0]!;
    const head = JSON.stringify(tenant === undefined ? { entity } : { tenant, entity }).slice(0, -1);
    let points: MetricPointValue[] = [];
    let texts: string[] = [];
    let ids: string[] = [];
    let bytes = head.length + 64;
    const flush = () => {
      const id = messageId('metrics', ...ids);
      const value: MetricBatchValue = tenant === undefined ? { id, entity, samples: points } : { id, tenant, entity, samples: points };
      out.push({ entity, id, value, json: `{"id":${JSON.stringify(id)},${head.slice(1)},"samples":[${texts.join(',')}]}` });
      points = [];
      texts = [];
      ids = [];
      bytes = head.length + 64;
    };
    for (const s of group) {
      const point: MetricPointValue = { metric: s.metric, ...(s.labels && { labels: s.labels }), timestamp: s.timestamp, value: s.value, ...(s.kind && { kind: s.kind }) };
      const text = JSON.stringify(point);
      if (points.length > 0 && bytes + text.length + 1 > MAX_BATCH_BYTES) flush();
      points.push(point);
      texts.push(text);
      ids.push(s.id);
      bytes += text.length + 1;
    }
    flush();
  }
  return out;
}
