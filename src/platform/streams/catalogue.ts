import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { TopicSpec } from '../bus/types.js';

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
  /** Set on a dead-letter topic: the topic whose failures it holds. */
  dlqOf: string | undefined;
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
    if (!t.schema) throw new Error(`${where}: schema is required`);
    const dlqName = t.dlq ? `${name}.dlq` : undefined;
    topics.set(name, {
      name,
      description: t.description ?? '',
      key: t.key,
      partitions: t.partitions!,
      retentionMs: parseDuration(t.retention ?? '7d', where),
      cleanup: t.cleanup,
      maxMessageBytes: t.maxMessageBytes,
      schema: t.schema,
      dlq: dlqName,
      dlqOf: undefined,
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
        dlqOf: name,
      });
    }
  }
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
    },
  }));
}

export function parseDuration(text: string, where = 'duration'): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`${where}: "${text}" is not a duration like 500ms, 30s, 5m, 12h or 7d`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
