import type { Bus } from '../bus/types.js';
import type { Catalogue } from '../streams/catalogue.js';
import { BusChangelog } from './changelog.js';
import { FileChangelog } from './file-changelog.js';
import type { Changelog } from './types.js';

/** Room in a record batch for the key, headers and framing beside the snapshot. */
const RECORD_OVERHEAD = 64 * 1024;

/**
 * The changelog a service uses for `topic` (a `changelogOf` entry of the catalogue): on Kafka the
 * compacted topic; on the in-process bus (the embedded default) a file under `stateDir`, so state
 * survives a restart of the process — or, with `stateDir` empty, the in-process bus's own log,
 * gone with the process.
 */
export async function openChangelog(bus: Bus, catalogue: Catalogue, topic: string, options: { stateDir: string }): Promise<Changelog> {
  const entry = catalogue.get(topic);
  if (!entry.changelogOf) throw new Error(`${topic} is not a changelog in streams/topics.yaml (no changelogOf)`);
  const limits = { partitions: entry.partitions, maxValueBytes: (entry.maxMessageBytes ?? 1024 * 1024) - RECORD_OVERHEAD };
  if (bus.kind === 'memory' && options.stateDir) return FileChangelog.open(options.stateDir, topic, limits);
  return new BusChangelog(bus, topic, limits);
}
