import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import { afterAll, inject } from 'vitest';
import { quietKafkaJsTimeoutWarning } from '../../src/platform/cli/quiet-warnings.js';

quietKafkaJsTimeoutWarning();

// Every test file gets its own topic namespace on the shared broker: services started with
// a fresh consumer group read their topics from the beginning, and must not wade through
// (or trip over) what earlier files wrote. The bus and `vigil` child processes pick it up.
process.env.VIGIL_TOPIC_PREFIX = `t${randomBytes(4).toString('hex')}.`;

// ... and removes it after the file: a single broker holding every file's topics (some
// thousands of partitions by the end of a run) grows slow to lead new ones, and the last files'
// services then wait on "not the leader for that topic-partition".
afterAll(async () => {
  const brokers = inject('kafkaBrokers');
  const prefix = process.env.VIGIL_TOPIC_PREFIX!;
  if (!brokers) return;
  // Few retries: a broker that does not answer is left as it is, not waited on past the hook's timeout.
  const admin = new kafkajs.Kafka({ clientId: 'test-cleanup', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 2 } }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 20_000 });
  } catch (err) {
    // A broker a test stopped on purpose, or one under strain: leave the topics, say so.
    console.warn(`could not delete this file's topics (${prefix}*): ${(err as Error).message}`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}, 60_000);
