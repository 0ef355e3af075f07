import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KafkaSubscription } from './kafka-subscription.js';
import { TopicNames } from './topic-names.js';

/**
 * The restart logic against a stand-in for kafkajs' consumer: kafkajs emits GROUP_JOIN when
 * `run()` has joined and CRASH (restart: false) when it gives up. The timers are faked, so the
 * pauses are checked without waiting for them. A real broker's crash and restart are in
 * test/bus-contract.test.ts.
 */
class FakeConsumer extends EventEmitter {
  readonly events = { GROUP_JOIN: 'join', CRASH: 'crash' };
  runs = 0;
  /** Crash right after each join (a batch that fails the same way every time). */
  poisoned = true;
  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(): Promise<void> {
    this.runs++;
    this.emit('join', { payload: { memberId: `member-${this.runs}`, memberAssignment: { t: [0] } } });
    if (this.poisoned) this.crash();
  }
  crash(): void {
    this.emit('crash', { payload: { restart: false, error: new Error('not retriable') } });
  }
  pause(): void {}
  resume(): void {}
  async disconnect(): Promise<void> {}
}

describe('KafkaSubscription restarts', () => {
  let waits: number[];
  beforeEach(() => {
    vi.useFakeTimers();
    waits = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => {
      const m = /starting the consumer again in (\d+) ms/.exec(line);
      if (m) waits.push(Number(m[1]));
    });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  const subscribe = (consumer: FakeConsumer, health: string[] = []) =>
    new KafkaSubscription(
      consumer as unknown as Consumer,
      { groupId: 'g', topics: ['t'], fromBeginning: false, onCrash: () => health.push('down'), onRestarted: () => health.push('up') },
      async () => {},
      new TopicNames(''),
      async () => {},
    );

  it('doubles the pause while the consumer crashes again right after joining', async () => {
    const consumer = new FakeConsumer();
    const health: string[] = [];
    await subscribe(consumer, health).start();
    for (let i = 0; i < 4; i++) await vi.advanceTimersByTimeAsync(waits.at(-1)!);
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000]);
    expect(consumer.runs).toBe(5);
    expect(health.slice(0, 3)).toEqual(['down', 'up', 'down']);
  });

  it('starts over at a second after a minute in the group', async () => {
    const consumer = new FakeConsumer();
    await subscribe(consumer).start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(waits).toEqual([1000, 2000]);
    consumer.poisoned = false;
    await vi.advanceTimersByTimeAsync(2000);
    expect(consumer.runs).toBe(3);
    await vi.advanceTimersByTimeAsync(60_000);
    consumer.crash();
    expect(waits).toEqual([1000, 2000, 1000]);
  });

  it('does not run the consumer again once halted (the bus disconnecting) or stopped', async () => {
    for (const end of ['halt', 'stop'] as const) {
      const consumer = new FakeConsumer();
      const subscription = subscribe(consumer);
      await subscription.start();
      expect(consumer.runs).toBe(1);
      if (end === 'halt') subscription.halt();
      else await subscription.stop();
      await vi.advanceTimersByTimeAsync(120_000);
      expect(consumer.runs).toBe(1);
    }
  });
});
