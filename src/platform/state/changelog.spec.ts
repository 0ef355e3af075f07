import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory-bus.js';
import { partitionForKey } from '../bus/partitioner.js';
import { parseCatalogue, topicSpecs } from '../streams/catalogue.js';
import { BusChangelog } from './changelog.js';
import { FileChangelog } from './file-changelog.js';
import { encode } from './file-format.js';
import { openChangelog } from './open-changelog.js';
import type { Changelog, RestoredState } from './types.js';

const PARTITIONS = 4;
const catalogue = parseCatalogue(
  {
    topics: {
      in: { key: 'entity', partitions: PARTITIONS, retention: '1h', cleanup: 'delete', schema: 'telemetry.metrics.schema.json', dlq: true },
      state: { key: 'entity', changelogOf: 'in', partitions: PARTITIONS, cleanup: 'compact', maxMessageBytes: 1024 * 1024 },
    },
  },
  'spec',
);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vigil-changelog-spec-'));
  dirs.push(d);
  return d;
}

/** Plain values to compare: partition -> key -> text. */
function plain(state: RestoredState): Record<number, Record<string, string>> {
  return Object.fromEntries([...state].map(([p, keys]) => [p, Object.fromEntries([...keys].map(([k, v]) => [k, v.toString()]))]));
}

const limits = { partitions: PARTITIONS, maxValueBytes: 1000 };
const kinds: Array<[string, () => Promise<Changelog>]> = [
  [
    'on the in-process bus',
    async () => {
      const bus = new MemoryBus();
      await bus.applyTopics(topicSpecs(catalogue));
      return new BusChangelog(bus, 'state', limits);
    },
  ],
  ['in a file (the embedded default)', () => FileChangelog.open(tempDir(), 'state', limits)],
];

describe.each(kinds)('a changelog %s', (_, make) => {
  it('restores the latest value per key of the partitions asked for, and nothing of the others', async () => {
    const log = await make();
    // Keys go where the caller says (the input partition), not where their hash would put them.
    log.put('a', 0, Buffer.from('a1'));
    log.put('b', 1, Buffer.from('b1'));
    log.put('c', 1, Buffer.from('c1'));
    log.put('d', 2, Buffer.from('d1'));
    log.put('e', 3, Buffer.from('e1'));
    expect(log.pending).toBe(5);
    await log.flush();
    expect(log.pending).toBe(0);
    log.put('b', 1, Buffer.from('b2'));
    log.delete('c', 1);
    log.put('d', 2, Buffer.from('d2'));
    log.put('f', 1, Buffer.from('f1'));
    await log.flush();
    log.put('f', 1, Buffer.from('f2'));
    log.put('f', 1, Buffer.from('f3'));
    await log.flush();

    expect(plain(await log.restore([1]))).toEqual({ 1: { b: 'b2', f: 'f3' } });
    expect(plain(await log.restore([0, 2]))).toEqual({ 0: { a: 'a1' }, 2: { d: 'd2' } });
    expect(plain(await log.restore([3]))).toEqual({ 3: { e: 'e1' } });
    // A key deleted and written again is back.
    log.put('c', 1, Buffer.from('c3'));
    await log.flush();
    expect(plain(await log.restore([1]))).toEqual({ 1: { b: 'b2', c: 'c3', f: 'f3' } });
    await log.close();
  });

  it('leaves out writes not yet flushed, drops those of discarded partitions, and refuses what the topic cannot hold', async () => {
    const log = await make();
    log.put('a', 0, Buffer.from('kept'));
    log.put('b', 2, Buffer.from('lost'));
    log.discard([2]);
    await log.flush();
    log.put('a', 0, Buffer.from('not flushed'));
    expect(plain(await log.restore([0, 2]))).toEqual({ 0: { a: 'kept' }, 2: {} });
    expect(() => log.put('x', PARTITIONS, Buffer.from('x'))).toThrow(/partitions 0-3, not 4/);
    expect(() => log.put('x', 0, Buffer.alloc(1001))).toThrow(/1001 bytes, the limit is 1000/);
    await log.close();
  });

  it('holds ten thousand keys overwritten many times, with binary values intact', async () => {
    const log = await make();
    const value = (key: number, round: number) => Buffer.from(Array.from({ length: 64 }, (_, i) => (key * 7 + round * 13 + i) & 0xff));
    for (let round = 0; round < 5; round++) {
      for (let k = 0; k < 10_000; k++) log.put(`entity-${k}`, k % PARTITIONS, value(k, round));
      // Every third key of round 3 deleted, written again in round 4.
      if (round === 3) for (let k = 0; k < 10_000; k += 3) log.delete(`entity-${k}`, k % PARTITIONS);
      await log.flush();
    }
    const restored = await log.restore([0, 1, 2, 3]);
    expect([...restored.values()].reduce((n, m) => n + m.size, 0)).toBe(10_000);
    const wrong = Array.from({ length: 10_000 }, (_, k) => k).filter((k) => !restored.get(k % PARTITIONS)!.get(`entity-${k}`)?.equals(value(k, 4)));
    expect(wrong).toEqual([]);
    await log.close();
  });
});

describe('the in-process bus under a changelog', () => {
  it('compacts the topic: the latest record per key stays at its offset, superseded ones and expired tombstones go', async () => {
    const bus = new MemoryBus();
    const compacted = (deleteRetention: string) => ({ 'cleanup.policy': 'compact', 'delete.retention.ms': deleteRetention });
    await bus.applyTopics([
      { name: 'c', partitions: 1, config: compacted('0') },
      { name: 'kept', partitions: 1, config: compacted('86400000') },
    ]);
    for (const topic of ['c', 'kept']) {
      for (let round = 0; round < 3; round++) {
        await bus.send(Array.from({ length: 500 }, (_, k) => ({ topic, key: `k${k}`, value: `${round}` })));
      }
      await bus.send(Array.from({ length: 100 }, (_, k) => ({ topic, key: `k${k}`, value: null })));
    }
    // 1,600 appended, compacted as they came: about one record per key is left.
    const kept = bus.read('c', 0, 0, 1e6);
    expect(kept.length).toBeLessThan(600);
    expect(await bus.endOffsets('c')).toEqual([{ partition: 0, offset: '1600' }]);
    const latest = async (topic: string) => {
      const values = new Map<string, string | null>();
      await bus.scan(topic, [0], (rs) => rs.forEach((r) => values.set(r.key!.toString(), r.value?.toString() ?? null)));
      return values;
    };
    // Deleted keys: their tombstone, or nothing once it expired; the others' last value.
    const c = await latest('c');
    expect([...c.keys()].filter((k) => Number(k.slice(1)) >= 100).length).toBe(400);
    expect([...c].filter(([k, v]) => (Number(k.slice(1)) < 100 ? v !== null : v !== '2'))).toEqual([]);
    expect(c.size).toBeLessThan(500);
    // Within delete.retention.ms every tombstone is still there for a reader.
    const k = await latest('kept');
    expect(k.size).toBe(500);
    expect([...k].filter(([key, v]) => (Number(key.slice(1)) < 100 ? v !== null : v !== '2'))).toEqual([]);
    // Offsets keep their gaps, in order: a reader from any offset resumes at the next one kept.
    const next = kept.find((r) => Number(r.offset) >= 1000)!;
    expect(bus.read('c', 0, 1000, 1)[0]!.offset).toBe(next.offset);
    await expect(bus.send([{ topic: 'c', key: null, value: 'x' }])).rejects.toThrow(/requires a key/);
  });

  it('scans up to the end offsets as they were when called', async () => {
    const bus = new MemoryBus({ maxBatch: 10 });
    await bus.applyTopics([{ name: 'c', partitions: 2, config: { 'cleanup.policy': 'compact' } }]);
    await bus.send(Array.from({ length: 50 }, (_, k) => ({ topic: 'c', key: `k${k}`, value: 'x', partition: 1 })));
    const seen: string[] = [];
    await bus.scan('c', [1], (rs) => {
      seen.push(...rs.map((r) => r.offset));
      // Appended while the scan runs: not part of it.
      void bus.send([{ topic: 'c', key: 'late', value: 'y', partition: 1 }]);
    });
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    await expect(bus.scan('c', [2], () => {})).rejects.toThrow(/no partition 2/);
  });
});

describe('the file changelog', () => {
  it('keeps its state across a reopen, cuts off an append torn by a crash, and compacts', async () => {
    const dir = tempDir();
    const opts = { partitions: 2, maxValueBytes: 10_000, compactFromBytes: 64 * 1024 };
    let log = await FileChangelog.open(dir, 'state', opts);
    await expect(FileChangelog.open(dir, 'state', opts)).rejects.toThrow(/in use by process/);
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 50; k++) log.put(`k${k}`, k % 2, Buffer.alloc(500, round));
      await log.flush();
    }
    log.delete('k0', 0);
    await log.flush();
    const { statSync, appendFileSync } = await import('node:fs');
    const path = join(dir, 'state.changelog');
    // 20 rounds of 50 × 500 B: compacted along the way to about one round's worth.
    expect(statSync(path).size).toBeLessThan(3 * 50 * 520);
    await log.close();

    // A crash mid-append: a record whose bytes did not all reach the disk (its length is right,
    // its body is not), then the start of another.
    const torn = encode(1, 'k1', Buffer.alloc(500, 99));
    torn[torn.length - 100] = 0;
    appendFileSync(path, Buffer.concat([torn, Buffer.from([0, 0, 1, 0, 1, 2, 3])]));
    log = await FileChangelog.open(dir, 'state', opts);
    const state = await log.restore([0, 1]);
    expect(state.get(0)!.has('k0')).toBe(false);
    expect(state.get(0)!.size + state.get(1)!.size).toBe(49);
    expect(state.get(1)!.get('k1')).toEqual(Buffer.alloc(500, 19));
    log.put('k0', 0, Buffer.from('back'));
    await log.flush();
    await log.close();
    log = await FileChangelog.open(dir, 'state', opts);
    expect((await log.restore([0])).get(0)!.get('k0')!.toString()).toBe('back');
    await log.close();
  });
});

describe('openChangelog', () => {
  it('uses a file on the in-process bus when a state directory is set, the bus otherwise; only for changelog topics', async () => {
    const bus = new MemoryBus();
    await bus.applyTopics(topicSpecs(catalogue));
    const file = await openChangelog(bus, catalogue, 'state', { stateDir: tempDir() });
    expect(file).toBeInstanceOf(FileChangelog);
    await file.close();
    const inBus = await openChangelog(bus, catalogue, 'state', { stateDir: '' });
    expect(inBus).toBeInstanceOf(BusChangelog);
    inBus.put('h', partitionForKey('h', PARTITIONS), Buffer.alloc(10));
    await inBus.flush();
    expect(bus.read('state', partitionForKey('h', PARTITIONS), 0, 10).map((r) => r.key!.toString())).toEqual(['h']);
    await expect(openChangelog(bus, catalogue, 'in', { stateDir: '' })).rejects.toThrow(/not a changelog/);
  });
});
