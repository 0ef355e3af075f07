import { ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { HandlerContext, InRecord } from '../stage/types.js';
import { EntityCheckpoints, type CheckpointedService, type DueCheckpoint } from './entity-checkpoints.js';
import type { Changelog, RestoredState } from './types.js';

/** A changelog that only records what it was asked to do. */
class RecordingChangelog implements Changelog {
  readonly topic = 'state';
  puts: string[] = [];
  flushes = 0;
  private buffered = 0;
  get pending(): number {
    return this.buffered;
  }
  put(key: string): void {
    this.puts.push(key);
    this.buffered++;
  }
  delete(): void {}
  async flush(): Promise<void> {
    this.flushes++;
    this.buffered = 0;
  }
  discard(): void {}
  async restore(): Promise<RestoredState> {
    return new Map();
  }
  async close(): Promise<void> {}
}

/** Every entity the handler sees falls due and stays due, across calls, until it is written. */
class Checkpoints extends EntityCheckpoints<string, 'rows'> {
  touched: string[] = [];
  constructor(changelog: Changelog) {
    const service: CheckpointedService<string> = {
      exclusive: async (fn) => fn(),
      restore: () => '',
      entitiesOf: () => [],
      drop: () => {},
      partitionOf: () => 0,
      checkpoint: (entity) => new TextEncoder().encode(entity),
      takeRetired: () => [],
    };
    super(service, changelog, () => {}, 'in');
  }
  protected due(): Array<DueCheckpoint<'rows'>> {
    return this.touched.splice(0).map((entity) => ({ entity, reason: 'rows' }));
  }
  protected restored(): void {}
  protected written(): void {}
  protected flushFailed(): void {}
}

function setup() {
  const changelog = new RecordingChangelog();
  const checkpoints = new Checkpoints(changelog);
  const { handle } = checkpoints.stage<string>({
    service: 'spec',
    topics: ['in'],
    handle: async (records) => {
      checkpoints.touched.push(...records.map((r) => r.value));
      return [];
    },
  });
  const call = (entity: string, endOfBatch: boolean | undefined) => handle([record(entity)], context(endOfBatch));
  return { changelog, call };
}

const record = (entity: string): InRecord<string> => ({
  topic: 'in',
  partition: 0,
  offset: '0',
  key: entity,
  value: entity,
  headers: {},
  timestamp: 0,
  trace: ROOT_CONTEXT,
});

const context = (endOfBatch: boolean | undefined): HandlerContext => ({
  heartbeat: async () => {},
  isRunning: () => true,
  reject: () => {},
  ...(endOfBatch === undefined ? {} : { endOfBatch }),
});

describe('EntityCheckpoints.stage', () => {
  it('writes a sliced batch\'s checkpoints after its last call only, all of them, in one flush', async () => {
    const { changelog, call } = setup();
    // Written after an earlier slice, a checkpoint would be ahead of the commit while later slices are handled.
    await call('a', false);
    await call('b', false);
    expect(changelog.puts).toEqual([]);
    expect(changelog.flushes).toBe(0);
    await call('c', true);
    expect(changelog.puts).toEqual(['a', 'b', 'c']);
    expect(changelog.flushes).toBe(1);
  });

  it('writes after every call where batches are not sliced (endOfBatch absent)', async () => {
    const { changelog, call } = setup();
    await call('a', undefined);
    expect(changelog.puts).toEqual(['a']);
    await call('b', undefined);
    expect(changelog.puts).toEqual(['a', 'b']);
    expect(changelog.flushes).toBe(2);
  });
});
