/**
 * Writes src/lib/anomaly/fixtures/snapshot-format2.json: entity snapshots made by the detector
 * as it was before snapshot format 3 (commit c0406cd~1), for entity-state.spec.ts. Run it in a
 * worktree of that commit (with this repository's node_modules linked in):
 *
 *   git worktree add /tmp/wt-old c0406cd~1 && ln -s "$PWD/node_modules" /tmp/wt-old/node_modules
 *   cp scripts/snapshot-format2.ts /tmp/wt-old/scripts/ && (cd /tmp/wt-old && npx tsx scripts/snapshot-format2.ts "$OLDPWD/src/lib/anomaly/fixtures/snapshot-format2.json")
 *
 * The series: a daily cycle and a noisy gauge with a fault near the end, 10 days at 5 minutes;
 * entity-state.spec.ts makes the same one (and checks it is the same by `valueSum`).
 */
import { writeFileSync } from 'node:fs';
import { Detector } from '../src/lib/anomaly/detector.js';
import { seededRandom } from '../src/platform/random.js';

const T0 = Date.UTC(2026, 0, 5);
const ROWS = 10 * 288;
/**
 * Where the snapshots are taken (the day-and-week track exists from row 2016): while it has too
 * few values to report, and once it has enough to report from the next row on (the daily track
 * still kept; the old code would drop it at that row). The old code's own scores after the cut
 * are kept for the second.
 */
const CUTS = [
  { cut: 7 * 288 + 60, keepScores: false },
  { cut: 7 * 288 + 99, keepScores: true },
];
const random = seededRandom(1);
const list = Array.from({ length: ROWS }, (_, i) => ({
  time: T0 + i * 5 * 60_000,
  values: [100 + 20 * Math.sin((2 * Math.PI * i) / 288) + 3 * random(), 10 + random() + (i >= ROWS - 200 && i < ROWS - 150 ? 6 : 0)],
}));

function score(d: Detector, rows: typeof list): number[] {
  const out: number[] = [];
  for (let s = 0; s < rows.length; s += 64) {
    for (const row of rows.slice(s, s + 64)) d.observe('h', row);
    out.push(...d.scoreDue().flatMap((e) => e.results.map((r) => r.score)));
  }
  return out;
}

const snapshots = CUTS.map(({ cut, keepScores }) => {
  const d = new Detector();
  score(d, list.slice(0, cut));
  const bytes = d.snapshot('h')!;
  // Each series' tracks at the cut (kind and values in its history), to check the cut is where it is meant to be.
  const trackers = (d as any).entities.get('h').trackers as Array<{ tracks: Array<{ kind: string; tail: { size: number } }> }>;
  const tracks = trackers.map((t) => t.tracks.map((k) => `${k.kind}:${k.tail.size}`).join(' '));
  const after = score(d, list.slice(cut));
  return { cut, format: bytes[0], tracks, snapshot: Buffer.from(bytes).toString('base64'), ...(keepScores ? { scoresAfter: after } : {}) };
});
const fixture = { madeBy: 'scripts/snapshot-format2.ts at c0406cd~1', rows: ROWS, valueSum: list.reduce((s, r) => s + r.values.reduce((a, b) => a + b, 0), 0), snapshots };
writeFileSync(process.argv[2]!, JSON.stringify(fixture) + '\n');
for (const s of snapshots) console.log(s.cut, `format ${s.format}`, `${s.snapshot.length} base64 chars`, s.tracks);
