import { randomUUID } from 'node:crypto';
import kafkajs, { type Admin, type Kafka, type PartitionAssigner } from 'kafkajs';
import { topicOffsets } from './topic-offsets.js';

const { AssignerProtocol } = kafkajs;

/**
 * Reads some partitions of a topic from their start up to the end offsets they had when called.
 * kafkajs cannot assign partitions by hand, so this joins a consumer group of its own whose
 * assignor gives its one member exactly those partitions (nothing else is fetched), and
 * deletes the group after. Joining costs the broker's `group.initial.rebalance.delay.ms`
 * (3 s by default; 0 on the local broker), once per read.
 */
export async function readPartitions(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  partitions: number[],
  each: (batch: kafkajs.Batch, upTo: bigint) => void,
  options: { clientId: string },
): Promise<void> {
  const offsets = await topicOffsets(kafka, admin, topic);
  const stops = new Map<number, bigint>();
  for (const partition of new Set(partitions)) {
    const o = offsets.find((x) => x.partition === partition);
    if (!o) throw new Error(`topic ${topic} has no partition ${partition}`);
    if (BigInt(o.high) > BigInt(o.low)) stops.set(partition, BigInt(o.high));
  }
  if (stops.size === 0) return;

  const groupId = `${options.clientId}-read-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [only(topic, [...stops.keys()])],
    // Large fetches: a restore reads whole partitions as fast as it can.
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    allowAutoTopicCreation: false,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, (e) => {
        if (!e.payload.restart) reject(e.payload.error);
      });
      const done = new Set<number>();
      void (async () => {
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const stop = stops.get(batch.partition);
            if (stop === undefined || done.has(batch.partition)) return;
            each(batch, stop);
            // The last offset counts records the client filtered out (control records) too.
            if (BigInt(batch.lastOffset()) + 1n >= stop) {
              done.add(batch.partition);
              consumer.pause([{ topic, partitions: [batch.partition] }]);
              if (done.size === stops.size) resolve();
            }
          },
        });
      })().catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch((e: Error) => console.error(`consumer group ${groupId} (a partition read) not deleted: ${e.message}`));
  }
}

/** An assignor that gives the group's (single) member these partitions of one topic. */
function only(topic: string, partitions: number[]): PartitionAssigner {
  return () => ({
    name: 'VigilPartitionReader',
    version: 0,
    async assign({ members }) {
      return members.map((m, i) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: i === 0 ? { [topic]: partitions } : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return { name: 'VigilPartitionReader', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
    },
  });
}
