import type { TopicSpec } from '../bus/types.js';

export type ClusterTopicSpec = TopicSpec & { replicationFactor: number };

/** What applying the catalogue needs of a client's admin API, on cluster topic names. */
export interface TopicAdmin {
  listTopics(): Promise<string[]>;
  /** Creates the topics and returns once every partition of them has a leader. */
  createTopics(topics: ClusterTopicSpec[]): Promise<void>;
  partitionCounts(topics: string[]): Promise<Map<string, number>>;
  growPartitions(topics: Array<{ name: string; partitions: number }>): Promise<void>;
  /** The current values of the named config keys, per topic. */
  describeConfigs(topics: Array<{ name: string; keys: string[] }>): Promise<Map<string, Map<string, string | null>>>;
  /** Sets every config of the topics (keys left out go back to their defaults). */
  alterConfigs(topics: Array<{ name: string; config: Record<string, string> }>): Promise<void>;
}

/**
 * Brings the cluster to the catalogue: creates missing topics, grows partitions (Kafka cannot
 * shrink them), rewrites the configs that drifted. Returns what changed. Both Kafka clients use it.
 */
export async function applyTopicPlan(admin: TopicAdmin, topics: ClusterTopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const changes: string[] = [];
  const missing = topics.filter((t) => !existing.has(t.name));
  if (missing.length > 0) {
    await admin.createTopics(missing);
    changes.push(...missing.map((t) => `created ${t.name} (${t.partitions} partitions)`));
  }
  const present = topics.filter((t) => existing.has(t.name));
  if (present.length === 0) return changes;
  const counts = await admin.partitionCounts(present.map((t) => t.name));
  const grow = present.filter((t) => (counts.get(t.name) ?? 0) < t.partitions);
  if (grow.length > 0) {
    await admin.growPartitions(grow);
    changes.push(...grow.map((t) => `grew ${t.name} to ${t.partitions} partitions`));
  }
  const described = await admin.describeConfigs(present.map((t) => ({ name: t.name, keys: Object.keys(t.config) })));
  const drift = present.filter((t) => Object.entries(t.config).some(([k, v]) => described.get(t.name)?.get(k) !== v));
  if (drift.length > 0) {
    // AlterConfigs (not the incremental kind) resets keys it is not given: the catalogue owns them all.
    await admin.alterConfigs(drift);
    changes.push(...drift.map((t) => `updated config of ${t.name}`));
  }
  return changes;
}
