import { EventEmitter } from 'node:events';
import { partitionForKey } from './partitioner.js';
import type {
  BatchHandler,
  Bus,
  BusRecord,
  OutRecord,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from './types.js';

/** One partition's log; records before `base` were dropped by retention, as Kafka's segments are. */
interface PartitionLog {
  base: number;
  records: BusRecord[];
}

interface Group {
  committed: Map<string, number>; // "topic/partition" -> next offset
  members: MemoryMember[];
}

/**
 * The in-process bus: the embedded default and the unit-test bus. It keeps Kafka's semantics
 * that services rely on — keys pick partitions (Kafka's hash), order per partition, consumer
 * groups that split partitions among members and resume from committed offsets — but holds
 * everything in memory. Retention is by size per partition, as `retention.bytes` is in Kafka:
 * a group that falls behind the retained range resumes at its start (auto.offset.reset=earliest).
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly logs = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, Group>();
  private readonly appended = new EventEmitter();

  constructor(
    private readonly options: { defaultPartitions?: number; maxBatch?: number; retainPerPartition?: number } = {},
  ) {
    this.appended.setMaxListeners(0);
  }

  async connect(): Promise<void> {}

  async disconnect(): Promise<void> {
    for (const group of this.groups.values()) {
      for (const member of [...group.members]) await member.stop();
    }
  }

  async applyTopics(topics: TopicSpec[]): Promise<string[]> {
    const changes: string[] = [];
    for (const t of topics) {
      const log = this.logs.get(t.name);
      if (!log) {
        this.logs.set(t.name, emptyLogs(t.partitions));
        changes.push(`created ${t.name} (${t.partitions} partitions)`);
      } else if (log.length < t.partitions) {
        while (log.length < t.partitions) log.push({ base: 0, records: [] });
        changes.push(`grew ${t.name} to ${t.partitions} partitions`);
      }
    }
    return changes;
  }

  async endOffsets(topic: string): Promise<Array<{ partition: number; offset: string }>> {
    return this.partitions(topic).map((p, partition) => ({ partition, offset: String(end(p)) }));
  }

  async send(records: OutRecord[]): Promise<void> {
    const touched = new Set<string>();
    for (const r of records) {
      const parts = this.partitions(r.topic);
      const partition = r.partition ?? (r.key === null ? Math.floor(Math.random() * parts.length) : partitionForKey(r.key, parts.length));
      const log = parts[partition];
      if (!log) throw new Error(`topic ${r.topic} has no partition ${partition}`);
      log.records.push({
        topic: r.topic,
        partition,
        offset: String(end(log)),
        key: r.key === null ? null : Buffer.from(r.key),
        value: Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value),
        headers: { ...(r.headers ?? {}) },
        timestamp: Date.now(),
      });
      const excess = log.records.length - (this.options.retainPerPartition ?? 200_000);
      if (excess > 0) {
        log.records.splice(0, excess);
        log.base += excess;
      }
      touched.add(r.topic);
    }
    for (const topic of touched) this.appended.emit(topic);
  }

  async subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription> {
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = { committed: new Map(), members: [] };
      this.groups.set(options.groupId, group);
    }
    const member = new MemoryMember(this, group, options, handler, this.options.maxBatch ?? 1000);
    group.members.push(member);
    this.rebalance(group);
    member.start();
    return member;
  }

  /** Records of one partition from `from` on (or the oldest retained), at most `max`. */
  read(topic: string, partition: number, from: number, max: number): BusRecord[] {
    const log = this.partitions(topic)[partition];
    if (!log) return [];
    const start = Math.max(0, from - log.base);
    return log.records.slice(start, start + max);
  }

  /** The offset the next record appended to the partition will get. */
  endOffset(topic: string, partition: number): number {
    const log = this.partitions(topic)[partition];
    return log ? end(log) : 0;
  }

  partitions(topic: string): PartitionLog[] {
    let log = this.logs.get(topic);
    if (!log) {
      // Like a broker with auto-create on: unknown topics appear on first use.
      log = emptyLogs(this.options.defaultPartitions ?? 1);
      this.logs.set(topic, log);
    }
    return log;
  }

  onAppend(topic: string, listener: () => void): () => void {
    this.appended.on(topic, listener);
    return () => this.appended.off(topic, listener);
  }

  leave(group: Group, member: MemoryMember, deleteGroup: boolean): void {
    group.members = group.members.filter((m) => m !== member);
    if (deleteGroup && group.members.length === 0) {
      for (const [id, g] of this.groups) if (g === group) this.groups.delete(id);
      return;
    }
    this.rebalance(group);
  }

  /** Whether a group exists (has members, or offsets committed). */
  hasGroup(groupId: string): boolean {
    return this.groups.has(groupId);
  }

  /** Round-robin the partitions of the group's topics over its members, as Kafka's range-free assignors do. */
  private rebalance(group: Group): void {
    const topics = [...new Set(group.members.flatMap((m) => m.topics))].sort();
    const slots = topics.flatMap((topic) => this.partitions(topic).map((_, partition) => ({ topic, partition })));
    group.members.forEach((m) => m.assign([]));
    if (group.members.length === 0) return;
    const owned = new Map<MemoryMember, Array<{ topic: string; partition: number }>>();
    let i = 0;
    for (const slot of slots) {
      const candidates = group.members.filter((m) => m.topics.includes(slot.topic));
      if (candidates.length === 0) continue;
      const m = candidates[i++ % candidates.length]!;
      owned.set(m, [...(owned.get(m) ?? []), slot]);
    }
    for (const [m, slots] of owned) m.assign(slots);
  }
}

class MemoryMember implements Subscription {
  readonly topics: string[];
  private assigned: Array<{ topic: string; partition: number }> = [];
  private running = false;
  private paused = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly unlisten: Array<() => void> = [];

  constructor(
    private readonly bus: MemoryBus,
    private readonly group: Group,
    private readonly options: SubscribeOptions,
    private readonly handler: BatchHandler,
    private readonly maxBatch: number,
  ) {
    this.topics = options.topics;
  }

  assign(slots: Array<{ topic: string; partition: number }>): void {
    this.assigned = slots;
    this.options.onAssignment?.(slots);
    this.wake?.();
  }

  start(): void {
    this.running = true;
    for (const t of this.topics) this.unlisten.push(this.bus.onAppend(t, () => this.wake?.()));
    // Like a Kafka consumer, the first fetch happens after subscribe() has returned.
    this.loop = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.run());
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    this.unlisten.forEach((u) => u());
    this.bus.leave(this.group, this, this.options.deleteGroupOnStop === true);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      if (!this.paused) {
        for (const { topic, partition } of this.assigned) {
          if (!this.running) break;
          try {
            worked = (await this.poll(topic, partition)) || worked;
          } catch (err) {
            // As kafkajs does after a failed batch: the uncommitted records come again later.
            console.error(`in-process consumer ${this.options.groupId} on ${topic}/${partition}: ${(err as Error).message}`);
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      }
      // Yield to the event loop between rounds: a busy consumer must not starve timers and I/O.
      if (worked) await new Promise((r) => setImmediate(r));
      if (!worked && this.running) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, 100).unref();
        });
      }
    }
  }

  private async poll(topic: string, partition: number): Promise<boolean> {
    const slot = `${topic}/${partition}`;
    const committed = this.group.committed.get(slot);
    const start = committed ?? (this.options.fromBeginning ? 0 : this.bus.endOffset(topic, partition));
    if (committed === undefined) this.group.committed.set(slot, start);
    const records = this.bus.read(topic, partition, start, this.maxBatch);
    if (records.length === 0) return false;
    await this.handler(
      { topic, partition, records, highWatermark: String(this.bus.endOffset(topic, partition)) },
      {
        heartbeat: async () => {},
        commit: async (next) => {
          this.group.committed.set(slot, Number(next));
        },
        isRunning: () => this.running,
      },
    );
    return true;
  }
}

function emptyLogs(partitions: number): PartitionLog[] {
  return Array.from({ length: partitions }, () => ({ base: 0, records: [] }));
}

function end(log: PartitionLog): number {
  return log.base + log.records.length;
}
