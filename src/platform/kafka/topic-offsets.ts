import type { Admin, Kafka } from 'kafkajs';

export type TopicOffsets = Awaited<ReturnType<Admin['fetchTopicOffsets']>>;

/**
 * A topic's offsets, asked again while a partition has no leader ready: a broker that has just
 * restarted, or one moving leadership under load, answers NOT_LEADER_OR_FOLLOWER until it has
 * loaded its partitions, and kafkajs' fetchTopicOffsets gives up on that at once. Each retry
 * asks through a fresh admin client, whose metadata names the new leaders (the shared client
 * keeps its metadata for minutes). A non-retriable error, or one past `timeoutMs`, is thrown.
 */
export async function topicOffsets(kafka: Pick<Kafka, 'admin'>, admin: Admin, topic: string, timeoutMs = 60_000): Promise<TopicOffsets> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const client = attempt === 0 ? admin : kafka.admin();
    try {
      if (client !== admin) await client.connect();
      return await client.fetchTopicOffsets(topic);
    } catch (err) {
      if ((err as { retriable?: boolean }).retriable !== true || Date.now() >= deadline) throw err;
    } finally {
      if (client !== admin) await client.disconnect().catch(() => undefined);
    }
    // Back off 100 ms, doubling to 2 s: a leader election takes a few hundred milliseconds.
    await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
  }
}
