import { EventEmitter } from 'node:events';
import { Ownership } from './ownership.js';
import { partitionForKey } from './partitioner.js';
import type {
  BatchHandler,
  Bus,
  BusRecord,
  OutRecord,
  SubscribeOptions,
  Subscription,
  TopicPartition,
  TopicSpec,
} from './types.js';

/**
 * One partition's log, in offset order. On a delete-policy topic the records are contiguous and
 * the oldest are dropped by retention, as Kafka's segments are; on a compacted topic superseded
 * records are dropped, so offsets have gaps, as after Kafka's log cleaner.
 */
interface PartitionLog {
  records: BusRecord[];
  /** The offset the next record gets. */
  next: number;
  /** Records held just after the last compaction (compacted topics): the next one waits for twice as many. */
  compacted: number;
}

/** How a topic's log is trimmed, from its `cleanup.policy` and `delete.retention.ms`. */
interface Cleanup {
  compact: boolean;
  /** How long a tombstone outlives the compaction that finds it superseding everything before it. */
  deleteRetentionMs: number;
}

/** Compaction runs once a compacted partition holds at least this many records. */
const COMPACT_MIN_RECORDS = 1024;

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
  private readonly cleanup = new Map<string, Cleanup>();
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
      const policy = t.config['cleanup.policy'] ?? 'delete';
      this.cleanup.set(t.name, {
        compact: policy.split(',').includes('compact'),
        deleteRetentionMs: Number(t.config['delete.retention.ms'] ?? 86_400_000),
      });
      const log = this.logs.get(t.name);
      if (!log) {
        this.logs.set(t.name, emptyLogs(t.partitions));
        changes.push(`created ${t.name} (${t.partitions} partitions)`);
      } else if (log.length < t.partitions) {
        while (log.length < t.partitions) log.push(emptyLog());
        changes.push(`grew ${t.name} to ${t.partitions} partitions`);
      }
    }
    return changes;
  }

  async endOffsets(topic: string): Promise<Array<{ partition: number; offset: string }>> {
    return this.partitions(topic).map((p, partition) => ({ partition, offset: String(p.next) }));
  }

  async send(records: OutRecord[]): Promise<void> {
    const touched = new Set<string>();
    for (const r of records) {
      const parts = this.partitions(r.topic);
      const cleanup = this.cleanup.get(r.topic);
      // As the broker does: a compacted topic keeps the latest record per key, so it takes no keyless ones.
      if (cleanup?.compact && r.key === null) throw new Error(`compacted topic ${r.topic} requires a key`);
      const partition = r.partition ?? (r.key === null ? Math.floor(Math.random() * parts.length) : partitionForKey(r.key, parts.length));
      const log = parts[partition];
      if (!log) throw new Error(`topic ${r.topic} has no partition ${partition}`);
      log.records.push({
        topic: r.topic,
        partition,
        offset: String(log.next++),
        key: r.key === null ? null : Buffer.from(r.key),
        value: r.value === null ? null : Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value),
        headers: { ...(r.headers ?? {}) },
        timestamp: Date.now(),
      });
      if (cleanup?.compact) {
        if (log.records.length >= Math.max(COMPACT_MIN_RECORDS, 2 * log.compacted)) compact(log, cleanup.deleteRetentionMs);
      } else {
        const excess = log.records.length - (this.options.retainPerPartition ?? 200_000);
        if (excess > 0) log.records.splice(0, excess);
      }
      touched.add(r.topic);
    }
    for (const topic of touched) this.appended.emit(topic);
  }

  async scan(topic: string, partitions: number[], each: (records: BusRecord[]) => void): Promise<void> {
    const parts = this.partitions(topic);
    for (const partition of partitions) {
      if (!parts[partition]) throw new Error(`topic ${topic} has no partition ${partition}`);
      const stop = this.endOffset(topic, partition);
      for (let from = 0; from < stop; ) {
        const records = this.read(topic, partition, from, this.options.maxBatch ?? 1000).filter((r) => Number(r.offset) < stop);
        if (records.length === 0) break;
        each(records);
        from = Number(records.at(-1)!.offset) + 1;
        // A large changelog must not hold the event loop for the whole read.
        await new Promise((r) => setImmediate(r));
      }
    }
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
    const start = firstAtOrAfter(log.records, from);
    return log.records.slice(start, start + max);
  }

  /** The offset the next record appended to the partition will get. */
  endOffset(topic: string, partition: number): number {
    return this.partitions(topic)[partition]?.next ?? 0;
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

  /** The group's committed offset of a partition (the next record it reads), if any. */
  committedOffset(groupId: string, topic: string, partition: number): number | undefined {
    return this.groups.get(groupId)?.committed.get(`${topic}/${partition}`);
  }

  /** Whether a group exists (has members, or offsets committed). */
  hasGroup(groupId: string): boolean {
    return this.groups.has(groupId);
  }

  /** Round-robin the partitions of the group's topics over its members, as Kafka's range-free assignors do. */
  private rebalance(group: Group): void {
    const topics = [...new Set(group.members.flatMap((m) => m.topics))].sort();
    const slots = topics.flatMap((topic) => this.partitions(topic).map((_, partition) => ({ topic, partition })));
    const owned = new Map<MemoryMember, TopicPartition[]>(group.members.map((m) => [m, []]));
    let i = 0;
    for (const slot of slots) {
      const candidates = group.members.filter((m) => m.topics.includes(slot.topic));
      if (candidates.length === 0) continue;
      owned.get(candidates[i++ % candidates.length]!)!.push(slot);
    }
    // Every member hears its new assignment once, so it sees exactly what it gained and lost.
    for (const [m, slots] of owned) m.assign(slots);
  }
}

class MemoryMember implements Subscription {
  readonly topics: string[];
  private assigned: TopicPartition[] = [];
  private readonly ownership: Ownership;
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
    this.ownership = new Ownership(options);
  }

  assign(slots: TopicPartition[]): void {
    this.assigned = slots;
    this.options.onAssignment?.(slots);
    this.ownership.assign(slots);
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
    // Still a member: what the revocation hook writes is there before another member gets the partitions.
    await this.ownership.release();
    this.unlisten.forEach((u) => u());
    this.bus.leave(this.group, this, this.options.deleteGroupOnStop === true);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      if (!this.paused) {
        for (const { topic, partition } of this.assigned) {
          if (!this.running) break;
          // A partition whose restore is still running waits; the others go on.
          if (this.ownership.restoring({ topic, partition })) continue;
          try {
            let polled = false;
            await this.ownership.run({ topic, partition }, async () => void (polled = await this.poll(topic, partition)));
            worked = polled || worked;
          } catch (err) {
            if (!this.running) break;
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
  return Array.from({ length: partitions }, emptyLog);
}

function emptyLog(): PartitionLog {
  return { records: [], next: 0, compacted: 0 };
}

/** Index of the first record whose offset is `from` or later (records are in offset order). */
function firstAtOrAfter(records: BusRecord[], from: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Number(records[mid]!.offset) < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Kafka's log cleaner on one partition: the latest record per key stays, at its offset; a
 * tombstone stays for `deleteRetentionMs` (so a reader that started before it still sees the
 * delete), then goes too.
 */
function compact(log: PartitionLog, deleteRetentionMs: number): void {
  const latest = new Map<string, number>();
  log.records.forEach((r, i) => latest.set(r.key!.toString('latin1'), i));
  const now = Date.now();
  log.records = log.records.filter((r, i) => latest.get(r.key!.toString('latin1')) === i && (r.value !== null || now - r.timestamp < deleteRetentionMs));
  log.compacted = log.records.length;
}
