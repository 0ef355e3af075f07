// Development driver, not part of the service:
//   npx tsx src/detector/dev-cli.ts nab [DIR] [--no-ae] [--files] [--set key=value ...]
//     replays a NAB-style corpus in memory and prints the NAB scores;
//   npx tsx src/detector/dev-cli.ts backtest|evaluate ...   the commands `vigil` will carry.
import { Command } from 'commander';
import { registerDetectorCommands } from './detector.commands.js';
import { join } from 'node:path';
import { backtestSeries } from './backtest/backtest-series.js';
import { readSeriesCsv } from './backtest/csv.js';
import { findCsvFiles } from './backtest/find-csv.js';
import { readWindowsFile } from './backtest/windows-file.js';
import { evaluateCorpus } from './nab/evaluate.js';
import { initBackend } from '../platform/ml/backend.js';

const args = process.argv.slice(2);
if (args[0] !== 'nab') {
  await registerDetectorCommands(new Command('dev-cli')).parseAsync(process.argv);
  process.exit(0);
}
const dir = args.find((a, i) => i > 0 && !a.startsWith('--') && !args[i - 1]?.startsWith('--set') && args[i - 1] !== '--chunk') ?? '../shared/data/nab-dev';
const overrides: Record<string, unknown> = { autoencoder: { enabled: !args.includes('--no-ae') } };
args.forEach((a, i) => {
  if (a !== '--set') return;
  const [key, value] = (args[i + 1] ?? '').split('=');
  if (key?.startsWith('ae.')) (overrides.autoencoder as Record<string, unknown>)[key.slice(3)] = Number(value);
  else if (key) overrides[key] = Number(value);
});

await initBackend(() => {});
const files = await findCsvFiles(dir);
const windows = await readWindowsFile(join(dir, 'windows.json'));
const tables = await Promise.all(files.map((f) => readSeriesCsv(f.path)));
const started = performance.now();
const chunkAt = args.indexOf('--chunk');
const chunk = chunkAt >= 0 ? Number(args[chunkAt + 1]) : undefined;
const scores = await backtestSeries(tables.map((t, i) => ({ entity: files[i]!.relative, times: t.times, rows: t.rows })), overrides, chunk);
const seconds = (performance.now() - started) / 1000;
const rows = tables.reduce((n, t) => n + t.rows.length, 0);
const result = evaluateCorpus(
  files.map((f, i) => ({
    series: { name: f.relative, times: tables[i]!.times, scores: scores[i]!.map((r) => r.score) },
    windows: windows.get(f.relative) ?? [],
  })),
);
for (const p of result.profiles) console.log(`${p.profile.padEnd(14)} ${p.score.toFixed(2).padStart(6)}  threshold ${p.threshold.toFixed(4)}  tp ${p.tp} fp ${p.fp} fn ${p.fn}`);
const e = result.events;
console.log(`events: P ${e.precision.toFixed(3)} R ${e.recall.toFixed(3)} F1 ${e.f1.toFixed(3)} (${e.detectedWindows}/${e.windows} windows, ${e.falseAlarms} false alarms)`);
console.log(`${rows} rows in ${seconds.toFixed(1)} s = ${Math.round(rows / seconds)} rows/s`);
if (args.includes('--files')) {
  const thr = result.profiles[0]!.threshold;
  files.forEach((f, i) => {
    const s = scores[i]!;
    const w = windows.get(f.relative) ?? [];
    const det = s.map((r, k) => (r.score >= thr ? k : -1)).filter((k) => k >= Math.min(750, Math.floor(0.15 * s.length)));
    const t = tables[i]!.times;
    const inW = (k: number) => w.some(([a, b]) => t[k]! >= a && t[k]! <= b);
    const rel = (k: number) => { for (const [a, b] of w) if (t[k]! >= a && t[k]! <= b) return `W${((t[k]! - a) / (b - a)).toFixed(2)}`; return ''; };
    const wr = w.map(([a, b]) => `${t.findIndex((x) => x >= a)}-${t.findIndex((x) => x >= b)}`).join(' ');
    console.log(`${f.relative.padEnd(55)} n ${t.length} win [${wr}] det ${det.length} inWin ${det.filter(inW).length}`);
    const peaks = s.map((r, k) => ({ r, k })).filter(({ r, k }) => k >= 0.15 * s.length && r.score >= thr * 0.8);
    console.log('   ' + peaks.slice(0, 14).map(({ r, k }) => `${k}:${r.score.toFixed(2)}${r.cause?.signal.slice(0, 3) ?? ''}${rel(k)}`).join(' '));
  });
}

if (args.includes('--report')) {
  // Per window: strongest evidence inside it and how early each level is reached; per file:
  // how many separate excursions outside windows reach each level (300-row gaps split them).
  const levels = [2, 3, 4, 5];
  files.forEach((f, i) => {
    const t = tables[i]!.times;
    const s = scores[i]!;
    const w = windows.get(f.relative) ?? [];
    const start = Math.min(750, Math.floor(0.15 * s.length));
    const ev = s.map((r) => -Math.log10(r.pValue));
    const parts: string[] = [];
    for (const [a, b] of w) {
      const lo = t.findIndex((x) => x >= a);
      const hi = t.findIndex((x) => x >= b);
      let best = 0;
      let at = lo;
      for (let k = lo; k <= hi; k++) if (ev[k]! > best) { best = ev[k]!; at = k; }
      const first = levels.map((L) => { const k = ev.slice(lo, hi + 1).findIndex((e) => e >= L); return k < 0 ? '-' : ((k / (hi - lo + 1)).toFixed(2)); });
      parts.push(`max ${best.toFixed(1)}@${((at - lo) / (hi - lo + 1)).toFixed(2)} first[${first.join(' ')}] ${s[at]?.cause?.signal ?? ''}`);
    }
    const inWin = (k: number) => w.some(([a, b]) => t[k]! >= a && t[k]! <= b);
    const fps = levels.map((L) => { let n = 0; let last = -1e9; for (let k = start; k < s.length; k++) if (!inWin(k) && ev[k]! >= L) { if (k - last > 300) n++; last = k; } return n; });
    console.log(`${f.relative.slice(0, 45).padEnd(45)} fp@2..5 [${fps.join(' ')}] ${parts.join(' | ')}`);
    const ex: string[] = [];
    let last = -1e9;
    for (let k = start; k < s.length; k++) if (!inWin(k) && ev[k]! >= 2) { if (k - last > 300) ex.push(`${(k / s.length).toFixed(2)}:${ev[k]!.toFixed(1)}${s[k]!.cause?.signal.slice(0, 3)}`); last = k; }
    if (ex.length) console.log('      FP ' + ex.join(' '));
  });
}
