import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { TopicSpec } from '../bus/types.js';
import { parseDuration } from '../config/duration.js';

/** streams/ at the repository root, from src/ (tests) and dist/ (built) alike. */
export const STREAMS_DIR = fileURLToPath(new URL('../../../streams/', import.meta.url));

export interface TopicEntry {
  name: string;
  description: string;
  key: string;
  partitions: number;
  retentionMs: number;
  cleanup: 'delete' | 'compact';
  maxMessageBytes: number | undefined;
  /** File name of the JSON Schema in streams/schemas; DLQ topics carry raw bytes and have none. */
  schema: string | undefined;
  /** Set on an input topic: the name of its dead-letter twin. */
  dlq: string | undefined;
  /**
   * Set on an input topic several services consume: the one service that dead-letters its records
   * that cannot be read (invalid JSON, schema, oversize), so one bad record gives one dead letter.
   * The others count them (`vigil_records_skipped_total`) and go on. Unset: every consumer does.
   */
  deadLetteredBy: string | undefined;
  /** Set on a dead-letter topic: the topic whose failures it holds. */
  dlqOf: string | undefined;
  /**
   * Set on a changelog (per-entity state, Kafka Streams style): the input topic it is
   * co-partitioned with — same partition count, a snapshot written to the partition its
   * entity's records come from. Its values are a service's opaque bytes: no schema, no DLQ.
   */
  changelogOf: string | undefined;
  /** Compaction settings (`segment.ms`, `segment.bytes`, `min.cleanable.dirty.ratio`, `delete.retention.ms`) where the catalogue sets them. */
  compaction: Compaction | undefined;
}

export interface Compaction {
  segmentMs: number | undefined;
  segmentBytes: number | undefined;
  minCleanableDirtyRatio: number | undefined;
  deleteRetentionMs: number | undefined;
}

export interface Catalogue {
  topics: Map<string, TopicEntry>;
  get(name: string): TopicEntry;
}

export interface RawTopic {
  description?: string;
  key?: string;
  partitions?: number;
  retention?: string;
  cleanup?: string;
  maxMessageBytes?: number;
  schema?: string;
  dlq?: boolean;
  deadLetteredBy?: string;
  changelogOf?: string;
  segment?: string;
  segmentBytes?: number;
  minCleanableDirtyRatio?: number;
  deleteRetention?: string;
}

export interface RawCatalogue {
  defaults?: { dlq?: { partitions?: number; retention?: string; cleanup?: string; maxMessageBytes?: number } };
  topics?: Record<string, RawTopic>;
}

/** Reads streams/topics.yaml (or `file`) and expands the `.dlq` twins. */
export function loadCatalogue(file = `${STREAMS_DIR}topics.yaml`): Catalogue {
  return parseCatalogue(parse(readFileSync(file, 'utf8')) as RawCatalogue, file);
}

/** Builds a catalogue from its parsed YAML form; `file` names it in errors. */
export function parseCatalogue(raw: RawCatalogue, file: string): Catalogue {
  const topics = new Map<string, TopicEntry>();
  const dlqDefaults = raw.defaults?.dlq ?? {};
  for (const [name, t] of Object.entries(raw.topics ?? {})) {
    const where = `${file}: topic ${name}`;
    if (!Number.isInteger(t.partitions) || (t.partitions ?? 0) < 1) throw new Error(`${where}: partitions must be a positive integer`);
    if (t.cleanup !== 'delete' && t.cleanup !== 'compact') throw new Error(`${where}: cleanup must be delete or compact`);
    if (!t.key) throw new Error(`${where}: say what the key is`);
    if (t.changelogOf) checkChangelog(t, where);
    else if (!t.schema) throw new Error(`${where}: schema is required`);
    const dlqName = t.dlq ? `${name}.dlq` : undefined;
    if (t.deadLetteredBy !== undefined && (!t.dlq || typeof t.deadLetteredBy !== 'string' || t.deadLetteredBy === '')) {
      throw new Error(`${where}: deadLetteredBy names the service that writes ${name}.dlq: a service name, on a topic with dlq: true`);
    }
    topics.set(name, {
      name,
      description: t.description ?? '',
      key: t.key,
      partitions: t.partitions!,
      // A changelog keeps every entity's latest snapshot for as long as the entity exists.
      retentionMs: t.changelogOf ? -1 : parseDuration(t.retention ?? '7d', where),
      cleanup: t.cleanup,
      maxMessageBytes: t.maxMessageBytes,
      schema: t.schema,
      dlq: dlqName,
      deadLetteredBy: t.deadLetteredBy,
      dlqOf: undefined,
      changelogOf: t.changelogOf,
      compaction: compaction(t, where),
    });
    if (dlqName) {
      topics.set(dlqName, {
        name: dlqName,
        description: `Dead letters of ${name}: original bytes, reason in headers.`,
        key: `as on ${name}`,
        partitions: dlqDefaults.partitions ?? 3,
        retentionMs: parseDuration(dlqDefaults.retention ?? '30d', where),
        cleanup: dlqDefaults.cleanup === 'compact' ? 'compact' : 'delete',
        maxMessageBytes: dlqDefaults.maxMessageBytes,
        schema: undefined,
        dlq: undefined,
        deadLetteredBy: undefined,
        dlqOf: name,
        changelogOf: undefined,
        compaction: undefined,
      });
    }
  }
  for (const t of topics.values()) if (t.changelogOf) checkCoPartitioned(t, topics, file);
  return {
    topics,
    get(name) {
      const t = topics.get(name);
      if (!t) throw new Error(`topic ${name} is not in the catalogue (streams/topics.yaml)`);
      return t;
    },
  };
}

/** The broker-side specs for `vigil topics apply`. */
export function topicSpecs(catalogue: Catalogue, replicationFactor?: number): Array<TopicSpec & { replicationFactor?: number }> {
  return [...catalogue.topics.values()].map((t) => ({
    name: t.name,
    partitions: t.partitions,
    replicationFactor,
    config: {
      'retention.ms': String(t.retentionMs),
      'cleanup.policy': t.cleanup,
      ...(t.maxMessageBytes ? { 'max.message.bytes': String(t.maxMessageBytes) } : {}),
      ...compactionConfig(t.compaction),
    },
  }));
}

function compactionConfig(c: Compaction | undefined): Record<string, string> {
  const config: Record<string, string> = {};
  if (c?.segmentMs !== undefined) config['segment.ms'] = String(c.segmentMs);
  if (c?.segmentBytes !== undefined) config['segment.bytes'] = String(c.segmentBytes);
  if (c?.minCleanableDirtyRatio !== undefined) config['min.cleanable.dirty.ratio'] = String(c.minCleanableDirtyRatio);
  if (c?.deleteRetentionMs !== undefined) config['delete.retention.ms'] = String(c.deleteRetentionMs);
  return config;
}

function compaction(t: RawTopic, where: string): Compaction | undefined {
  if (t.segment === undefined && t.segmentBytes === undefined && t.minCleanableDirtyRatio === undefined && t.deleteRetention === undefined) return undefined;
  const ratio = t.minCleanableDirtyRatio;
  if (ratio !== undefined && !(ratio > 0 && ratio < 1)) throw new Error(`${where}: minCleanableDirtyRatio must lie between 0 and 1`);
  if (t.segmentBytes !== undefined && !(Number.isInteger(t.segmentBytes) && t.segmentBytes > 0)) throw new Error(`${where}: segmentBytes must be a positive integer`);
  return {
    segmentMs: t.segment === undefined ? undefined : parseDuration(t.segment, where),
    segmentBytes: t.segmentBytes,
    minCleanableDirtyRatio: ratio,
    deleteRetentionMs: t.deleteRetention === undefined ? undefined : parseDuration(t.deleteRetention, where),
  };
}

/** A changelog holds one latest snapshot per key, in bytes only its service reads. */
function checkChangelog(t: RawTopic, where: string): void {
  if (t.cleanup !== 'compact') throw new Error(`${where}: a changelog is compacted (cleanup: compact)`);
  if (t.schema) throw new Error(`${where}: a changelog's values are opaque snapshots: no schema`);
  if (t.dlq) throw new Error(`${where}: a changelog is not consumed as a stream: no dead-letter twin`);
  if (t.retention) throw new Error(`${where}: a changelog keeps the latest snapshot per key for good: no retention`);
}

/** Co-partitioning: the owner of input partition p restores changelog partition p, so the counts must match. */
function checkCoPartitioned(t: TopicEntry, topics: Map<string, TopicEntry>, file: string): void {
  const where = `${file}: topic ${t.name}`;
  const input = topics.get(t.changelogOf!);
  if (!input || input.changelogOf || input.dlqOf) throw new Error(`${where}: changelogOf names ${t.changelogOf}, which is not an input topic of the catalogue`);
  if (input.partitions !== t.partitions) {
    throw new Error(`${where}: a changelog is co-partitioned with ${input.name}: it needs its ${input.partitions} partitions, not ${t.partitions}`);
  }
}
