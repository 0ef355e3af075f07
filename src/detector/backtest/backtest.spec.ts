import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../lib/evaluation/index.js';
import { runBacktest } from './run-backtest.js';
import { runEvaluate } from './run-evaluate.js';
import { ALARM_RISKS, runDetectorEval } from './run-detector-eval.js';

describe('parseTimestamp', () => {
  it('reads NAB, ISO and epoch timestamps as UTC milliseconds', () => {
    const t = Date.UTC(2014, 3, 10, 7, 15);
    expect(parseTimestamp('2014-04-10 07:15:00')).toBe(t);
    expect(parseTimestamp('2014-04-10 07:15:00.000000')).toBe(t);
    expect(parseTimestamp('2014-04-10T07:15:00Z')).toBe(t);
    expect(parseTimestamp(String(t / 1000))).toBe(t);
    expect(parseTimestamp(String(t))).toBe(t);
  });
});

describe('runBacktest and runEvaluate', () => {
  let dir: string;
  const rows = 1200;
  const stamp = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-backtest-'));
    await mkdir(join(dir, 'in', 'group'), { recursive: true });
    // A daily cycle with a level jump at row 1000 (labelled window 950..1050), and a quiet
    // two-metric file with a missing value.
    const lines = ['timestamp,value'];
    for (let i = 0; i < rows; i++) lines.push(`${stamp(i)},${(10 * Math.sin((2 * Math.PI * i) / 288) + (i >= 1000 ? 40 : 0) + ((i * 7919) % 13) / 13).toFixed(3)}`);
    await writeFile(join(dir, 'in', 'group', 'jump.csv'), lines.join('\n'));
    const quiet = ['timestamp,cpu,mem'];
    for (let i = 0; i < 400; i++) quiet.push(`${stamp(i)},${i === 200 ? '' : (i % 5) + 1},${(i % 3) + 50}`);
    await writeFile(join(dir, 'in', 'quiet.csv'), quiet.join('\n'));
    await writeFile(join(dir, 'windows.json'), JSON.stringify({ 'group/jump.csv': [[`${stamp(950)}.000000`, `${stamp(1050)}.000000`]], 'quiet.csv': [] }));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one score row per input row at the same relative path', async () => {
    const summary = await runBacktest({ input: join(dir, 'in'), output: join(dir, 'out'), log: () => {} });
    expect(summary).toMatchObject({ files: 2, rows: rows + 400 });
    const out = (await readFile(join(dir, 'out', 'group', 'jump.csv'), 'utf8')).trim().split('\n');
    expect(out[0]).toBe('timestamp,anomaly_score,threshold,scorer,is_anomaly,top_metric,signal');
    expect(out).toHaveLength(rows + 1);
    expect(out[1]!.startsWith(`${stamp(0)},`)).toBe(true);
    const quiet = (await readFile(join(dir, 'out', 'quiet.csv'), 'utf8')).trim().split('\n');
    expect(quiet).toHaveLength(401);
  });

  it('scores the backtest with NAB and ends --json output with one object', async () => {
    const lines: string[] = [];
    const result = await runEvaluate({ scores: join(dir, 'out'), windows: join(dir, 'windows.json'), json: true, print: (l) => lines.push(l) });
    expect(result.profiles.map((p) => p.profile)).toEqual(['standard', 'reward_low_FP', 'reward_low_FN']);
    expect(result.windows).toBe(1);
    expect(result.events.detectedWindows).toBe(1);
    const last = JSON.parse(lines.at(-1)!) as { profiles: { score: number }[] };
    expect(last.profiles[0]!.score).toBeGreaterThan(50);
  });

  it('detector-eval sweeps the alarm levels: each stricter level catches no more windows', async () => {
    const lines: string[] = [];
    const result = await runDetectorEval({ input: join(dir, 'in'), windows: join(dir, 'windows.json'), print: (l) => lines.push(l), log: () => {} });
    expect(result.byAlarmRisk.map((r) => r.alarmRisk)).toEqual([...ALARM_RISKS]);
    for (let i = 1; i < result.byAlarmRisk.length; i++) {
      const [looser, stricter] = [result.byAlarmRisk[i - 1]!, result.byAlarmRisk[i]!];
      expect(stricter.score).toBeGreaterThan(looser.score);
      expect(stricter.events.detectedWindows).toBeLessThanOrEqual(looser.events.detectedWindows);
    }
    // The level jump is caught at the shipped alarm level (p < 1e-4) and so at every looser one.
    const shipped = result.byAlarmRisk.findIndex((r) => r.alarmRisk === 1e-4);
    for (const r of result.byAlarmRisk.slice(0, shipped + 1)) expect(r.events.detectedWindows).toBe(1);
    expect(lines).toContain('alarm level (p <)  score >=  windows  false alarms  precision  recall  standard');
  });
});
