import { Detector } from './src/lib/anomaly/index.js';
const entities = 200, metrics = 8, steps = 3000;
const d = new Detector();
let seed = 1; const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const t0 = Date.UTC(2026, 0, 1);
const start = process.hrtime.bigint();
for (let s = 0; s < steps; s++) {
  for (let e = 0; e < entities; e++) {
    const values = Array.from({ length: metrics }, (_, m) => 50 + 10 * Math.sin((s + m) / 30) + rnd() * 5);
    d.observe('h' + e, { time: t0 + s * 60_000, values });
  }
  if (s % 4 === 3) d.scoreDue();
}
d.scoreDue();
const sec = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`${(entities * metrics * steps / sec).toFixed(0)} samples/s (${sec.toFixed(1)} s)`);
