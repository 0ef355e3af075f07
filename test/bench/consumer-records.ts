import { randomBytes, randomUUID } from 'node:crypto';
import type { OutRecord } from '../../src/platform/bus/types.js';

const METRICS = ['cpu', 'memory', 'requests', 'latency', 'errors', 'disk', 'net_in', 'gc'];

/**
 * The consumer bench's records, as production writes them: keyed by entity, with the headers a
 * Vigil producer sets (`vigil-id`, `content-type`) and a `traceparent` that is not sampled (what
 * a client that propagates context without sampling leaves on every record). With
 * `samplesPerRecord` 1 a record is one sample; above, one entity's step of that many series in
 * the batched form (streams/schemas/telemetry.metrics.schema.json).
 */
export function benchRecord(topic: string, k: number, samplesPerRecord: number): OutRecord {
  const entity = `host-${k % 1000}`;
  const timestamp = 1_700_000_000_000 + k * 1000;
  const point = (j: number) => ({ metric: METRICS[j % METRICS.length]! + (j >= METRICS.length ? `_${j}` : ''), labels: { env: 'bench' }, timestamp, value: ((k + j) % 977) / 9.77 });
  const value =
    samplesPerRecord === 1
      ? { entity, ...point(k % METRICS.length) }
      : { entity, samples: Array.from({ length: samplesPerRecord }, (_, j) => point(j)) };
  return {
    topic,
    key: entity,
    value: JSON.stringify(value),
    headers: {
      'vigil-id': randomUUID(),
      'content-type': 'application/json',
      traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`,
    },
  };
}
