import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { topicOffsets } from './topic-offsets.js';

const OFFSETS = [{ partition: 0, offset: '5', high: '5', low: '0' }];
const notLeader = Object.assign(new Error('This server is not the leader for that topic-partition'), { type: 'NOT_LEADER_FOR_PARTITION', retriable: true });

/** An admin client answering from `answers` in turn (an Error is thrown), counting its connections. */
function fakeAdmins(answers: Array<Error | typeof OFFSETS>) {
  const made = { admins: 0, open: 0 };
  const admin = (): Admin =>
    ({
      connect: async () => void made.open++,
      disconnect: async () => void made.open--,
      fetchTopicOffsets: async () => {
        const a = answers.shift()!;
        if (a instanceof Error) throw a;
        return a;
      },
    }) as unknown as Admin;
  return { made, shared: admin(), kafka: { admin: () => (made.admins++, admin()) } };
}

describe('topicOffsets', () => {
  it('asks again through a fresh client while the partition has no leader, and closes what it opened', async () => {
    const { made, shared, kafka } = fakeAdmins([notLeader, notLeader, OFFSETS]);
    expect(await topicOffsets(kafka, shared, 't')).toEqual(OFFSETS);
    expect(made.admins).toBe(2);
    expect(made.open).toBe(0);
  });

  it('throws a non-retriable error at once', async () => {
    const denied = Object.assign(new Error('Not authorized to access topics'), { retriable: false });
    const { made, shared, kafka } = fakeAdmins([denied, OFFSETS]);
    await expect(topicOffsets(kafka, shared, 't')).rejects.toThrow('Not authorized');
    expect(made.admins).toBe(0);
  });

  it('gives up with the last error once its time is out', async () => {
    const { shared, kafka } = fakeAdmins([notLeader, notLeader, notLeader]);
    await expect(topicOffsets(kafka, shared, 't', 0)).rejects.toThrow('not the leader');
  });
});
