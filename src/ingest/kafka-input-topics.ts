import type { TopicSpec } from '../platform/bus/types.js';
import { topicSpecs, type Catalogue, type TopicEntry } from '../platform/streams/catalogue.js';

/** The Collector kafka exporter's default topics, as streams/topics.yaml names them. */
export const COLLECTOR_TOPICS = { metrics: 'otlp_metrics', logs: 'otlp_logs' } as const;

/**
 * The catalogue with the Collector topics under the names this deployment's exporter writes to
 * (INGEST_KAFKA_*_TOPIC): an exporter may be configured to write elsewhere than its defaults,
 * and those topics then get the settings, schema and `.dlq` twin of the streams/ entry.
 */
export function inputCatalogue(platform: Catalogue, topics: { metrics: string; logs: string }): Catalogue {
  if (topics.metrics === topics.logs) throw new Error(`INGEST_KAFKA_METRICS_TOPIC and INGEST_KAFKA_LOGS_TOPIC are both ${topics.metrics}: metrics and logs need topics of their own`);
  const all = new Map(platform.topics);
  for (const signal of ['metrics', 'logs'] as const) {
    const name = topics[signal];
    const canonical = platform.get(COLLECTOR_TOPICS[signal]);
    if (name === canonical.name) continue;
    if (platform.topics.has(name) || platform.topics.has(`${name}.dlq`)) {
      throw new Error(`the Collector ${signal} topic ${name} is already a topic of streams/topics.yaml with another purpose; name the exporter's topic otherwise`);
    }
    const dlq = platform.get(canonical.dlq!);
    all.set(name, { ...canonical, name, dlq: `${name}.dlq` });
    all.set(`${name}.dlq`, { ...dlq, name: `${name}.dlq`, dlqOf: name, description: `Dead letters of ${name}: original bytes, reason in headers.` } satisfies TopicEntry);
  }
  return {
    topics: all,
    get(name) {
      const t = all.get(name);
      if (!t) throw new Error(`topic ${name} is in neither streams/topics.yaml nor the ingest input topics`);
      return t;
    },
  };
}

/**
 * What the gateway applies at start: the dead-letter twins in full; of the input topics only
 * those `missing` (an existing one keeps the partitions and settings whoever made it chose).
 */
export function inputTopicSpecs(catalogue: Catalogue, missing: string[], inputs: string[], replicationFactor: number): Array<TopicSpec & { replicationFactor?: number }> {
  const wanted = new Set([...missing, ...inputs.map((n) => `${n}.dlq`)]);
  return topicSpecs(catalogue, replicationFactor).filter((s) => wanted.has(s.name));
}
