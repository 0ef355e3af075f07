/**
 * The risk bench alone, repeated, with variants side by side:
 *   npx tsx test/bench/risk.main.ts
 * KAFKA_BROKERS (else a fresh local broker), the BENCH_RISK_* of risk.bench.ts, and:
 *   BENCH_RISK_REPEATS   runs of each variant (default 1), interleaved: A B A B ...
 *   BENCH_RISK_VARIANTS  JSON list of environments for the service process, one per variant,
 *                        e.g. '[{"RISK_PARTITIONS_CONCURRENCY":"4"},{}]' (default one: [{}])
 * A noisy, shared machine moves the tail from run to run: compare variants by their medians over
 * repeats taken in the same time window, not one run against another day's.
 */
import { quietKafkaJsTimeoutWarning } from '../../src/platform/cli/quiet-warnings.js';
import { benchBroker, machine, median } from './harness.js';
import { riskBenchOptions, runRiskBench, type RiskBenchResult } from './risk.bench.js';

quietKafkaJsTimeoutWarning();
const repeats = Number(process.env.BENCH_RISK_REPEATS ?? 1);
const variants = JSON.parse(process.env.BENCH_RISK_VARIANTS ?? '[{}]') as Array<Record<string, string>>;
const broker = await benchBroker();
const results: RiskBenchResult[][] = variants.map(() => []);
let failed = false;
try {
  console.log(`risk bench — ${machine()}; broker ${broker.brokers}; ${repeats} repeat(s) of ${variants.length} variant(s)`);
  for (let i = 0; i < repeats; i++) {
    for (const [v, env] of variants.entries()) {
      console.log(`\n== repeat ${i + 1}, variant ${v} ${JSON.stringify(env)}`);
      const { ok, result } = await runRiskBench(broker.brokers, { ...riskBenchOptions(), env });
      results[v]!.push(result);
      if (!ok) failed = true;
    }
  }
  console.log('\n[risk summary] medians over repeats (each run: p50 / p99 ms end to end)');
  for (const [v, env] of variants.entries()) {
    const rs = results[v]!;
    const runs = rs.map((r) => `${r.e2e_ms.p50}/${r.e2e_ms.p99}`).join(', ');
    console.log(
      `  variant ${v} ${JSON.stringify(env)}: p50 ${median(rs.map((r) => r.e2e_ms.p50))} ms, p99 ${median(rs.map((r) => r.e2e_ms.p99))} ms, processing p99 ${median(rs.map((r) => r.processing_ms.p99))} ms  [runs ${runs}]`,
    );
  }
  console.log(`BENCH_RISK_SUMMARY ${JSON.stringify(variants.map((env, v) => ({ env, runs: results[v]!.map((r) => ({ e2e: r.e2e_ms, processing: r.processing_ms, ok: r.ok })) })))}`);
} finally {
  await broker.stop();
}
process.exit(failed ? 1 : 0);
