import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory-bus.js';
import { samplesOf } from '../series/metric-sample.js';
import { loadCatalogue, topicSpecs } from '../streams/catalogue.js';
import { SchemaRegistry } from '../streams/validator.js';
import { replay } from './replay.js';

const catalogue = loadCatalogue();
const schemas = new SchemaRegistry(catalogue);

async function bus(): Promise<MemoryBus> {
  const b = new MemoryBus();
  await b.applyTopics(topicSpecs(catalogue));
  return b;
}

const values = (b: MemoryBus, topic: string) =>
  b.partitions(topic).flatMap((p) => p.records.map((r) => ({ key: r.key!.toString(), value: JSON.parse(r.value!.toString()) })));

describe('replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-replay-'));

  it('turns a wide metrics CSV into one record per row holding a sample per numeric cell, keyed by entity', async () => {
    const file = join(dir, 'machine.csv');
    writeFileSync(file, 'timestamp,temp,load\n2014-01-01 00:00:00,70.5,1\n2014-01-01 00:05:00,71,\n');
    const b = await bus();
    const r = await replay(b, catalogue, schemas, { file, topic: 'telemetry.metrics', rate: 0, validate: true });
    expect(r).toMatchObject({ sent: 2, invalid: 0 });
    const got = values(b, 'telemetry.metrics').flatMap((x) => samplesOf(x.value).map((v) => [x.key, v.metric, v.timestamp, v.value]));
    expect(got.sort()).toEqual(
      [
        ['machine', 'load', Date.UTC(2014, 0, 1), 1],
        ['machine', 'temp', Date.UTC(2014, 0, 1), 70.5],
        ['machine', 'temp', Date.UTC(2014, 0, 1, 0, 5), 71],
      ].sort(),
    );
  });

  it('replays NDJSON, skipping and counting records that fail the schema', async () => {
    const file = join(dir, 'tx.ndjson');
    const ok = { transaction_id: 't1', timestamp: 1, customer_id: 'c1', terminal_id: 'x', amount: 10 };
    writeFileSync(file, [JSON.stringify(ok), JSON.stringify({ ...ok, amount: -1 }), '', JSON.stringify({ ...ok, transaction_id: 't2' })].join('\n'));
    const b = await bus();
    const r = await replay(b, catalogue, schemas, { file, topic: 'risk.transactions', rate: 0, validate: true });
    expect(r).toMatchObject({ sent: 2, invalid: 1 });
    expect(values(b, 'risk.transactions').map((x) => x.key)).toEqual(['c1', 'c1']);
  });

  it('writes the vigil-id header: the record\'s own id, else one from the file and position that a second replay repeats', async () => {
    const file = join(dir, 'ids.ndjson');
    const tx = { transaction_id: 't1', timestamp: 1, customer_id: 'c1', terminal_id: 'x', amount: 10 };
    writeFileSync(file, [JSON.stringify({ ...tx, id: 'given-id' }), JSON.stringify(tx), JSON.stringify({ ...tx, transaction_id: 't2' })].join('\n'));
    const ids = async () => {
      const b = await bus();
      await replay(b, catalogue, schemas, { file, topic: 'risk.transactions', rate: 0, validate: false });
      return b.partitions('risk.transactions').flatMap((p) => p.records.map((r) => r.headers['vigil-id']));
    };
    const first = await ids();
    expect(first).toHaveLength(3);
    expect(first[0]).toBe('given-id');
    expect(new Set(first).size).toBe(3);
    expect(first.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(await ids()).toEqual(first);
  });

  it('keeps to the chosen rate', async () => {
    const file = join(dir, 'many.ndjson');
    writeFileSync(file, Array.from({ length: 40 }, (_, i) => JSON.stringify({ user: `u${i}`, item: 'i', timestamp: i })).join('\n'));
    const r = await replay(await bus(), catalogue, schemas, { file, topic: 'reco.interactions', rate: 100, validate: true });
    expect(r.sent).toBe(40);
    expect(r.seconds).toBeGreaterThanOrEqual(0.35);
  });

  it('names the line of a file that is not NDJSON', async () => {
    const file = join(dir, 'bad.ndjson');
    writeFileSync(file, '{"user":"u","item":"i","timestamp":1}\n{oops\n');
    await expect(replay(await bus(), catalogue, schemas, { file, topic: 'reco.interactions', rate: 0, validate: true })).rejects.toThrow(/bad\.ndjson:2: not JSON/);
  });
});
