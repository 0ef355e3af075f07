import type { Consumer, ConsumerGroupJoinPayload } from '@platformatic/kafka';
import type { BatchHandler, BusBatch, SubscribeOptions, Subscription, TopicPartition } from '../../bus/types.js';
import { GroupMember } from '../group-member.js';
import type { CommitOffsets } from '../interval-commits.js';
import type { TopicNames } from '../topic-names.js';
import { fetchByLeader, offsetsAt, type Fetched, type FetchLimits, type Position } from './fetch-round.js';
import { batchRecords } from './platformatic-record.js';

const MAX_BACKOFF_MS = 30_000;

export interface GroupTimings {
  sessionTimeout: number;
  heartbeatInterval: number;
  rebalanceTimeout: number;
}

/**
 * One consumer group member on @platformatic/kafka. The client keeps the membership (join,
 * sync, a heartbeat on its own timer, rejoining when the group rebalances); this class fetches
 * by hand, one request per partition leader, so the handler gets each partition's fetched
 * records whole as kafkajs hands them (the client's message stream hands them one by one).
 * Batches, commits, the ownership hooks and the stop are GroupMember's, as on kafkajs.
 */
export class PlatformaticSubscription implements Subscription {
  private readonly member: GroupMember;
  /** The member's partitions (cluster names) and where each is read next, once known. */
  private assignment: Array<{ topic: string; partition: number }> = [];
  private readonly positions = new Map<string, bigint>();
  private memberId: string | undefined;
  private paused = false;
  private stopping = false;
  /** A rejoin failed on an error the client calls final, and none has succeeded since. */
  private down = false;
  /** Ends a wait of the fetch loop early: resumed, reassigned or stopping. */
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly topics: string[];

  constructor(
    private readonly consumer: Consumer,
    private readonly options: SubscribeOptions,
    handler: BatchHandler,
    private readonly names: TopicNames,
    private readonly limits: FetchLimits,
    private readonly timings: GroupTimings,
    /** After the member left the group. */
    private readonly onStopped: () => Promise<void>,
  ) {
    this.topics = options.topics.map((t) => names.onCluster(t));
    this.member = new GroupMember(options, handler, () => this.commitOffsets);
    consumer.on('consumer:group:join', (e) => this.joined(e));
    // A rejoin that failed for good: the fetch loop joins again (and says so if it cannot).
    consumer.on('error', (e: Error) => console.error(`${options.groupId}: consumer group error: ${e.message}`));
  }

  async start(): Promise<void> {
    for (const t of this.topics) this.consumer.topics.track(t);
    await this.consumer.joinGroup({ ...this.timings });
    this.loop = this.fetchLoop();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.member.drain(() => this.wake?.());
    // The loop ends at its next turn: a fetch in flight answers within maxWaitTime.
    await this.loop;
    // close() leaves the group.
    await this.consumer.close();
    await this.onStopped();
  }

  /** The bus disconnects without a stop: the fetch loop ends, nothing more is handed over or committed. */
  halt(): void {
    this.stopping = true;
    this.wake?.();
  }

  /** The offsets of partitions this member still has; others' are not moved back by a late batch. */
  private readonly commitOffsets: CommitOffsets = async ({ topics }) => {
    const offsets = topics.flatMap(({ topic, partitions }) =>
      partitions.filter((p) => this.owns(topic, p.partition)).map((p) => ({ topic, partition: p.partition, offset: BigInt(p.offset), leaderEpoch: -1 })),
    );
    if (offsets.length > 0) await this.consumer.commit({ offsets });
  };

  /** After every join and rejoin of the group, with the member's whole assignment. */
  private joined(e: ConsumerGroupJoinPayload): void {
    const assigned = (e.assignments ?? []).flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })));
    const rejoined = this.memberId !== undefined && e.memberId !== this.memberId;
    this.memberId = e.memberId;
    const kept = new Set(rejoined ? [] : this.assignment.filter((tp) => assigned.some((a) => a.topic === tp.topic && a.partition === tp.partition)).map(key));
    // A partition gained (or regained) is read from its committed offset, as kafkajs does after a join.
    for (const k of [...this.positions.keys()]) if (!kept.has(k)) this.positions.delete(k);
    this.assignment = assigned;
    this.member.assigned(
      assigned.map((tp): TopicPartition => ({ topic: this.names.inVigil(tp.topic), partition: tp.partition })),
      rejoined,
    );
    this.wake?.();
  }

  private owns(topic: string, partition: number): boolean {
    return this.assignment.some((tp) => tp.topic === topic && tp.partition === partition);
  }

  private async fetchLoop(): Promise<void> {
    for (let wait = 1000; !this.stopping; ) {
      if (this.down) {
        // Out of the group since a rejoin failed: others may own its partitions, so nothing is
        // fetched (fetches work without membership) until a rejoin succeeds.
        await this.sleep(wait);
        wait = Math.min(wait * 2, MAX_BACKOFF_MS);
        if (!this.stopping) await this.rejoin();
        continue;
      }
      if (this.paused || this.assignment.length === 0) {
        await this.sleep(60_000);
        continue;
      }
      try {
        await this.round();
        wait = 1000;
      } catch (err) {
        if (this.stopping) break;
        console.error(`${this.options.groupId}: fetching failed, again in ${wait} ms: ${(err as Error).message}`);
        await this.sleep(wait);
        wait = Math.min(wait * 2, MAX_BACKOFF_MS);
        if (!this.consumer.isActive() && !this.stopping) await this.rejoin();
      }
    }
  }

  /**
   * The group dropped the member and the client gave up rejoining: join again. A join that fails
   * leaves the member out of the group: it is reported (not ready), its partitions count as lost
   * (others may own them; no checkpoint is written for them), and the loop fetches nothing and
   * tries again after its pause, as the kafkajs subscription restarts its consumer.
   */
  private async rejoin(): Promise<void> {
    try {
      await this.consumer.joinGroup({ ...this.timings });
      if (this.down) {
        this.down = false;
        this.options.onRestarted?.();
      }
    } catch (err) {
      if (this.stopping) return;
      if (!this.down) {
        this.assignment = [];
        this.positions.clear();
        this.member.left();
      }
      this.down = true;
      this.options.onCrash?.(err as Error);
    }
  }

  /** One fetch per leader of the member's partitions, their batches to the handler. */
  private async round(): Promise<void> {
    await this.seekUnknown();
    const positions: Position[] = [];
    for (const tp of this.assignment) {
      const offset = this.positions.get(key(tp));
      if (offset !== undefined) positions.push({ ...tp, offset });
    }
    if (positions.length === 0) return;
    const outOfRange = await fetchByLeader(this.consumer, positions, this.limits, (fetched) => this.handleAll(fetched));
    for (const p of outOfRange) this.positions.delete(key(p));
    // Moved where a group without a committed offset starts.
    if (outOfRange.length > 0) await this.seekUnknown(true);
  }

  /** Each fetched partition's records to the handler, `partitionsConsumedConcurrently` at a time. */
  private async handleAll(fetched: Fetched[]): Promise<void> {
    const queue = [...fetched];
    let failure: unknown;
    const worker = async () => {
      for (let f = queue.shift(); f && !this.stopping; f = queue.shift()) {
        try {
          await this.handleOne(f);
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.partitionsConsumedConcurrently ?? 1) }, worker));
    if (failure) throw failure;
  }

  private async handleOne(f: Fetched): Promise<void> {
    const k = key(f);
    // Reassigned while the fetch was out: the position is no longer this one. Paused meanwhile:
    // not handed over (as kafkajs drops a paused partition's fetched batches), fetched again on resume.
    if (this.positions.get(k) !== f.offset || this.paused) return;
    const topic = this.names.inVigil(f.topic);
    const { records, next } = batchRecords(topic, f.partition, f.batches, f.offset);
    if (records.length > 0) {
      const batch: BusBatch = { topic, partition: f.partition, records, highWatermark: f.highWatermark.toString() };
      // The client heartbeats on its own timer: a long batch keeps the membership anyway.
      const ran = await this.member.run(batch, f.topic, { heartbeat: async () => {}, isRunning: () => !this.stopping });
      if (!ran) return;
    }
    // A handler that threw left the position where it was: the batch comes again after the back-off.
    if (this.positions.get(k) === f.offset) this.positions.set(k, next);
  }

  /** Positions for partitions that have none: the committed offset, else the start or the end of the log. */
  private async seekUnknown(ignoreCommitted = false): Promise<void> {
    const unknown = this.assignment.filter((tp) => !this.positions.has(key(tp)));
    if (unknown.length === 0) return;
    const byTopic = new Map<string, number[]>();
    for (const tp of unknown) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const committed = ignoreCommitted
      ? new Map<string, bigint[]>()
      : await this.consumer.listCommittedOffsets({ topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
    for (const [topic, partitions] of byTopic) {
      const fallback = partitions.filter((p) => (committed.get(topic)?.[p] ?? -1n) < 0n);
      const start = fallback.length > 0 ? await offsetsAt(this.consumer, topic, fallback, this.options.fromBeginning ? 'earliest' : 'latest') : new Map<number, bigint>();
      for (const partition of partitions) {
        const offset = (committed.get(topic)?.[partition] ?? -1n) >= 0n ? committed.get(topic)![partition]! : start.get(partition);
        // Still assigned (a join may have come meanwhile) and known: read from there.
        if (offset !== undefined && this.owns(topic, partition)) this.positions.set(key({ topic, partition }), offset);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function key(tp: { topic: string; partition: number }): string {
  return `${tp.topic}\u0000${tp.partition}`;
}
