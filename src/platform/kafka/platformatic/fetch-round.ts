import type { Consumer, RecordsBatch } from '@platformatic/kafka';

// The client exports its fetch's types only through the method.
type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;
type FetchRequestTopic = Parameters<Consumer['fetch']>[0]['topics'][number];

/** Where one partition (cluster topic name) is read next. */
export interface Position {
  topic: string;
  partition: number;
  offset: bigint;
}

/** What one partition's fetch brought: its record batches from `from` on. */
export interface Fetched extends Position {
  batches: RecordsBatch[];
  highWatermark: bigint;
}

export interface FetchLimits {
  maxBytesPerPartition: number;
  maxBytes: number;
  /** How long the broker may hold a fetch that has nothing yet. */
  maxWaitTime: number;
}

const OFFSET_OUT_OF_RANGE = 1;

/**
 * One fetch per partition leader for the given positions; each leader's answer goes to `each`
 * as soon as it comes (so one slow broker does not hold the others' batches back). Returns the
 * partitions whose offset the log no longer has (retention, a recreated topic): the caller
 * moves them. Any other failure is thrown once every leader has answered.
 */
export async function fetchByLeader(consumer: Consumer, positions: Position[], limits: FetchLimits, each: (fetched: Fetched[]) => Promise<void>): Promise<Position[]> {
  const topics = [...new Set(positions.map((p) => p.topic))];
  const metadata = await consumer.metadata({ topics });
  const byNode = new Map<number, FetchRequestTopic[]>();
  const names = new Map<string, string>();
  for (const p of positions) {
    const topic = metadata.topics.get(p.topic);
    const leader = topic?.partitions[p.partition]?.leader;
    if (!topic || leader === undefined || leader < 0) {
      // No leader yet (a new topic, an election): asked again next round with fresh metadata.
      consumer.clearMetadata();
      continue;
    }
    names.set(topic.id, p.topic);
    const requests = byNode.get(leader) ?? [];
    requests.push({ topicId: topic.id, partitions: [{ partition: p.partition, fetchOffset: p.offset, partitionMaxBytes: limits.maxBytesPerPartition, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] });
    byNode.set(leader, requests);
  }
  const from = new Map(positions.map((p) => [`${p.topic}:${p.partition}`, p.offset]));
  const outOfRange: Position[] = [];
  const results = await Promise.allSettled(
    [...byNode].map(async ([node, requests]) => {
      let response: FetchResponse;
      try {
        response = await consumer.fetch({ node, topics: requests, maxBytes: limits.maxBytes, minBytes: 1, maxWaitTime: limits.maxWaitTime });
      } catch (err) {
        // Partition errors come with the response: the out-of-range ones are the caller's to move.
        const partial = (err as { response?: FetchResponse }).response;
        if (!partial || !onlyOutOfRange(partial)) throw err;
        response = partial;
      }
      const fetched: Fetched[] = [];
      for (const t of response.responses) {
        const topic = names.get(t.topicId) ?? t.topicId;
        for (const p of t.partitions) {
          const offset = from.get(`${topic}:${p.partitionIndex}`);
          if (offset === undefined) continue;
          if (p.errorCode === OFFSET_OUT_OF_RANGE) outOfRange.push({ topic, partition: p.partitionIndex, offset });
          else fetched.push({ topic, partition: p.partitionIndex, offset, batches: p.records ?? [], highWatermark: p.highWatermark });
        }
      }
      await each(fetched);
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return outOfRange;
}

function onlyOutOfRange(response: FetchResponse): boolean {
  if (response.errorCode !== 0) return false;
  return response.responses.every((t) => t.partitions.every((p) => p.errorCode === 0 || p.errorCode === OFFSET_OUT_OF_RANGE));
}

/** Offsets of partitions at a point: EARLIEST (oldest retained) or LATEST (the next to be appended). */
export async function offsetsAt(consumer: Consumer, topic: string, partitions: number[] | undefined, at: 'earliest' | 'latest'): Promise<Map<number, bigint>> {
  const listed = await consumer.listOffsets({ topics: [topic], ...(partitions ? { partitions: { [topic]: partitions } } : {}), timestamp: at === 'earliest' ? -2n : -1n });
  const out = new Map<number, bigint>();
  (listed.get(topic) ?? []).forEach((offset, partition) => {
    if (offset !== undefined && (!partitions || partitions.includes(partition))) out.set(partition, offset);
  });
  return out;
}
