/**
 * The LSTM probability floor (with the key-pair invariant) chosen on one half of the HDFS test
 * sessions and scored on the other. Reads the files `vigil logs sessions-eval --session-scores`
 * writes (one per trained model), splits the normal and the anomalous sessions each in half by a
 * fixed seed (the same halves for every model), picks the one floor with the best mean scaled F1
 * over the models on the first half, and prints every floor on both halves and on the whole.
 *
 *   npx tsx scripts/hdfs-floor-split.ts [--split-seed 2026] seed42.json seed7.json ...
 *
 * Scaled scores: a part holding nA of the anomalies stands for the same share of the full normal
 * test set (553,366 sessions), so its false positives count 553,366 · (nA / all anomalies) / nN.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { scoreScaled } from '../src/logs/sessions/detection-metrics.js';
import type { SessionVerdict } from '../src/logs/sessions/sessions-eval.js';
import { permutation, seededRandom } from '../src/platform/random.js';

const HDFS_NORMAL_SESSIONS = 553_366;
const FLOORS = [1e-3, 8e-4, 6e-4, 5e-4, 4e-4, 3e-4, 2e-4, 1.5e-4, 1e-4, 5e-5, 2e-5, 1e-5];

const args = process.argv.slice(2);
const at = args.indexOf('--split-seed');
const splitSeed = at >= 0 ? Number(args.splice(at, 2)[1]) : 2026;
if (args.length === 0) throw new Error('usage: hdfs-floor-split.ts [--split-seed n] scores.json ...');

type Verdicts = { normal: SessionVerdict[]; abnormal: SessionVerdict[] };
const models = args.map((file) => ({ name: basename(file, '.json'), v: JSON.parse(readFileSync(file, 'utf8')) as Verdicts }));
const { normal: n0, abnormal: a0 } = models[0]!.v;
for (const m of models) if (m.v.normal.length !== n0.length || m.v.abnormal.length !== a0.length) throw new Error(`${m.name}: other test sets`);

/** Indices of the first half, the second half and the whole, of n sessions. */
function halves(n: number, seed: number): Record<Part, number[]> {
  const order = [...permutation(n, seededRandom(seed))];
  const cut = Math.floor(n / 2);
  return { A: order.slice(0, cut), B: order.slice(cut), whole: order };
}
type Part = 'A' | 'B' | 'whole';
const PARTS: Part[] = ['A', 'B', 'whole'];
const normalParts = halves(n0.length, splitSeed);
const abnormalParts = halves(a0.length, splitSeed + 1);

function score(v: Verdicts, floor: number, part: Part): { f1: number; fp: number; fn: number } {
  const flagged = (s: SessionVerdict) => s.pairs || s.minProb < floor;
  const nIdx = normalParts[part];
  const aIdx = abnormalParts[part];
  const fp = nIdx.filter((i) => flagged(v.normal[i]!)).length;
  const tp = aIdx.filter((i) => flagged(v.abnormal[i]!)).length;
  const scale = (HDFS_NORMAL_SESSIONS * (aIdx.length / a0.length)) / nIdx.length;
  return { f1: scoreScaled(tp, aIdx.length, fp, scale).f1, fp, fn: aIdx.length - tp };
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const table = FLOORS.map((floor) => ({
  floor,
  parts: Object.fromEntries(PARTS.map((p) => [p, models.map((m) => score(m.v, floor, p))])) as Record<Part, ReturnType<typeof score>[]>,
}));
/** The best floor by mean scaled F1 over the models on one part (ties: the higher floor). */
const pick = (part: Part) => table.reduce((best, r) => (mean(r.parts[part].map((s) => s.f1)) > mean(best.parts[part].map((s) => s.f1)) ? r : best));

console.log(`split seed ${splitSeed}: normal ${normalParts.A.length} / ${normalParts.B.length}, anomalous ${abnormalParts.A.length} / ${abnormalParts.B.length}; models ${models.map((m) => m.name).join(', ')}`);
for (const part of PARTS) {
  console.log(`\nscaled F1 on ${part === 'whole' ? 'the whole test set' : `half ${part}`} (FP / FN per model on the sample in brackets)`);
  console.log(`| floor | ${models.map((m) => m.name).join(' | ')} | mean |`);
  console.log(`|---|${models.map(() => '---|').join('')}---|`);
  for (const r of table) {
    const cells = r.parts[part].map((s) => `${s.f1.toFixed(3)} (${s.fp} / ${s.fn})`);
    console.log(`| ${r.floor} | ${cells.join(' | ')} | ${mean(r.parts[part].map((s) => s.f1)).toFixed(4)} |`);
  }
}
for (const [choose, check] of [['A', 'B'], ['B', 'A']] as const) {
  const best = pick(choose);
  const line = (p: Part) => `${best.parts[p].map((s) => s.f1.toFixed(3)).join(' / ')} (mean ${mean(best.parts[p].map((s) => s.f1)).toFixed(4)})`;
  console.log(`\nchosen on half ${choose}: p < ${best.floor}; half ${check}: ${line(check)}; whole: ${line('whole')}`);
}
