import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from './partitioner.js';

describe('partitionForKey', () => {
  it('puts every key on the partition kafkajs (and the Java client) would', () => {
    const kafkaPartitioner = kafkajs.Partitioners.DefaultPartitioner();
    for (const partitions of [1, 3, 12, 64]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
      for (let i = 0; i < 500; i++) {
        const key = i % 7 === 0 ? `héllo-${i}` : `host-${i}-${'x'.repeat(i % 5)}`;
        const expected = kafkaPartitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
        expect(partitionForKey(key, partitions)).toBe(expected);
      }
    }
  });
});
