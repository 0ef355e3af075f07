import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerRecoCommands } from './reco.commands.js';

describe('reco evaluate command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reco-cmd-'));
  const file = join(dir, 'u.data');
  const rows: string[] = [];
  for (let u = 1; u <= 40; u++) for (let i = 1; i <= 8; i++) rows.push(`${u}\t${((u % 2) * 8 + i)}\t5\t${1000 + i}`);
  writeFileSync(file, rows.join('\n'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(args: string[]): Promise<string[]> {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      const program = new Command('vigil').exitOverride().configureOutput({ writeErr: () => undefined });
      registerRecoCommands(program);
      await program.parseAsync(['node', 'vigil', ...args]);
    } finally {
      spy.mockRestore();
    }
    return lines;
  }

  it('prints one JSON object last with --json', async () => {
    const lines = await run(['reco', 'evaluate', '--data', file, '--split', 'time', '--test-ratio', '0.25', '--seed', '3', '--k', '5', '--json']);
    const report = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    for (const key of ['precision_at_k', 'recall_at_k', 'ndcg_at_k', 'map_at_k']) expect(typeof report[key]).toBe('number');
    expect(report).toMatchObject({ k: 5, split: 'time', seed: 3, test_ratio: 0.25, users: 40 });
    expect(Object.keys(report['baseline'] as object)).toEqual(['precision_at_k', 'recall_at_k', 'ndcg_at_k', 'map_at_k']);
  });

  it('passes model options through', async () => {
    const lines = await run(['reco', 'evaluate', '--data', file, '--l2', '50', '--recency-half-life', '10', '--recency-floor', '0.3', '--dropout', '0.2', '--json']);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ model: { l2: 50, dropout: 0.2, recencyHalfLife: 10, recencyFloor: 0.3 } });
  });

  it('prints a table without --json', async () => {
    const lines = await run(['reco', 'evaluate', '--data', file]);
    expect(lines.join('\n')).toMatch(/model\s+\d\.\d{4}/);
    expect(lines.join('\n')).toMatch(/popularity\s+\d\.\d{4}/);
  });

  it('replays the stream with reco replay --json', async () => {
    const lines = await run(['reco', 'replay', '--data', file, '--test-ratio', '0.1', '--k', '5', '--refit-every', '0', '--json']);
    const report = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    expect(report).toMatchObject({ events: 32, k: 5, refit_every: 0, frozen: false });
    expect(typeof report['hit_rate_at_k']).toBe('number');
  });

  it('rejects a bad split or ratio', async () => {
    await expect(run(['reco', 'evaluate', '--data', file, '--split', 'sideways'])).rejects.toThrow();
    await expect(run(['reco', 'evaluate', '--data', file, '--test-ratio', '1.5'])).rejects.toThrow();
  });
});
