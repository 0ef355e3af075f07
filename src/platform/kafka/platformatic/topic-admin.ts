import type { Admin } from '@platformatic/kafka';
import type { TopicAdmin } from '../topic-plan.js';

const TOPIC = 2;

/** Applying the catalogue (topic-plan.ts) through @platformatic/kafka's admin client. */
export function topicAdmin(admin: Admin): TopicAdmin {
  return {
    listTopics: () => admin.listTopics(),
    createTopics: async (missing) => {
      for (const t of missing) {
        await admin.createTopics({
          topics: [t.name],
          partitions: t.partitions,
          replicas: t.replicationFactor,
          configs: Object.entries(t.config).map(([name, value]) => ({ name, value })),
        });
      }
      await waitForLeaders(admin, missing.map((t) => t.name));
    },
    partitionCounts: async (names) => {
      const meta = await admin.metadata({ topics: names, forceUpdate: true });
      return new Map(names.map((n) => [n, meta.topics.get(n)?.partitionsCount ?? 0]));
    },
    growPartitions: (grow) => admin.createPartitions({ topics: grow.map((t) => ({ name: t.name, count: t.partitions })) }),
    describeConfigs: async (wanted) => {
      const described = await admin.describeConfigs({ resources: wanted.map((t) => ({ resourceType: TOPIC, resourceName: t.name, configurationKeys: t.keys })) });
      return new Map(described.map((r) => [r.resourceName, new Map(r.configs.map((c) => [c.name, c.value ?? null]))]));
    },
    alterConfigs: (drift) =>
      admin.alterConfigs({ resources: drift.map((t) => ({ resourceType: TOPIC, resourceName: t.name, configs: Object.entries(t.config).map(([name, value]) => ({ name, value })) })) }),
  };
}

/** Until every partition of the new topics has a leader (the broker may not know them yet). */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let waitingFor = topics;
    try {
      const meta = await admin.metadata({ topics, forceUpdate: true });
      waitingFor = topics.filter((t) => {
        const m = meta.topics.get(t);
        return !m || m.partitions.length === 0 || m.partitions.some((p) => p.leader < 0);
      });
      if (waitingFor.length === 0) return;
    } catch {
      // Not known yet (UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE): asked again below.
    }
    if (Date.now() > deadline) throw new Error(`topics without a leader after ${timeoutMs} ms: ${waitingFor.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
