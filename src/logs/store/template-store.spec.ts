import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MinerSnapshot } from '../mining/types.js';
import { TemplateStore } from './template-store.js';
import { VersionedMiner } from './versioned-miner.js';

describe('template persistence and versions', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-templates-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('bumps the version when a template is created or generalised, not when a line only matches', () => {
    const v = new VersionedMiner();
    v.add('worker 1 started on node a');
    expect(v.version).toBe(1);
    v.add('worker 2 started on node b');
    const afterGeneralise = v.version;
    expect(afterGeneralise).toBe(2);
    v.add('worker 3 started on node c');
    v.add('worker 4 started on node d');
    expect(v.version).toBe(afterGeneralise);
    v.add('disk full on /var');
    expect(v.version).toBe(afterGeneralise + 1);
  });

  it('bumps the version when a template is evicted (bounded memory)', () => {
    const v = new VersionedMiner({ maxClusters: 2 });
    v.add('alpha one');
    v.add('beta two three');
    const before = v.version;
    v.add('gamma four five six');
    expect(v.size).toBe(2);
    expect(v.version).toBe(before + 1);
  });

  it('saves atomically and reloads the same templates, ids and version', async () => {
    const store = new TemplateStore(join(dir, 'nested', 'templates'));
    const v = new VersionedMiner();
    for (const l of ['user 10.0.0.1 logged in', 'user 10.0.0.2 logged in', 'job 42 done in 3 s']) v.add(l);
    await store.save(v.version, v.miner.toJSON());
    const files = await readdir(store.dir);
    expect(files).toEqual(['templates.json']);
    const stored = await store.load();
    expect(stored?.version).toBe(v.version);
    const back = VersionedMiner.restore(stored!);
    expect(back.version).toBe(v.version);
    expect(back.miner.list()).toEqual(v.miner.list());
    // Learning goes on from the stored version; a known line does not change it.
    expect(back.add('user 10.0.0.9 logged in').templateId).toBe(v.add('user 10.0.0.9 logged in').templateId);
    expect(back.version).toBe(v.version);
    expect(back.add('brand new event here').templateId).toBeGreaterThan(Math.max(...v.miner.list().map((t) => t.id)));
    expect(back.version).toBe(v.version + 1);
  });

  it('a failed save leaves the previous version whole and no temporary file behind', async () => {
    const store = new TemplateStore(dir);
    const v = new VersionedMiner();
    v.add('first line 1');
    await store.save(v.version, v.miner.toJSON());
    const before = await readFile(store.file, 'utf8');
    const poisoned = { ...v.miner.toJSON(), nextId: 10n } as unknown as MinerSnapshot; // JSON cannot write a BigInt
    await expect(store.save(v.version + 1, poisoned)).rejects.toThrow();
    expect(await readFile(store.file, 'utf8')).toBe(before);
    expect(await readdir(dir)).toEqual(['templates.json']);
  });

  it('starts empty without a file, and refuses a damaged one', async () => {
    const store = new TemplateStore(dir);
    expect(await store.load()).toBeUndefined();
    await writeFile(store.file, JSON.stringify({ format: 'something-else', version: 1 }));
    await expect(store.load()).rejects.toThrow(/not a vigil log-template store/);
  });
});
