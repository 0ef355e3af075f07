/**
 * `npm run bench`: Vigil against the bare Kafka client on one real broker, in one run.
 * BENCH_RECORDS and BENCH_REPEATS scale it (CI runs a short version); BENCH_MIN_RATIO is the
 * floor of the platform consumer's rate over bare kafkajs doing JSON.parse of the same records.
 */
import { quietKafkaJsTimeoutWarning } from '../../src/platform/cli/quiet-warnings.js';
import { SIDES, consumerBench } from './consumer.bench.js';
import { fleetBench, fleetFailures, fleetOptions, printFleet } from './detector.bench.js';
import { overloadBench, overloadOptions, printOverload } from './overload.bench.js';
import { pipelineBench, printPipeline } from './pipeline.bench.js';
import { printScoring, scoringBench } from './scoring.bench.js';
import { benchBroker, fmt, machine, median } from './harness.js';
import { runIngestBench } from './ingest.bench.js';
import { runLogsBench } from './logs.bench.js';
import { runRiskBench } from './risk.bench.js';
import { recoBench } from './reco.bench.js';
import { runRemediationBench } from './remediation.bench.js';
import { reportTable, type Report } from './report.js';
import { serviceBenches } from './service.bench.js';

quietKafkaJsTimeoutWarning();
const records = Number(process.env.BENCH_RECORDS ?? 300_000);
const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const minRatio = Number(process.env.BENCH_MIN_RATIO ?? 0);

const broker = await benchBroker();
let failed = false;
const report: Report = {};
try {
  console.log(`vigil bench — ${machine()}; broker ${broker.brokers}; ${fmt(records)} records, ${repeats} repeats`);
  if (process.env.BENCH_CONSUMER !== 'false') {
    console.log('\n[consumer] the platform consumer (on kafkajs and on @platformatic/kafka) next to bare kafkajs (nothing; JSON.parse) and NestJS ServerKafka, same records and headers');
    const c = await consumerBench(broker.brokers, records, repeats);
    report.consumer = c;
    for (const side of SIDES) {
      const s = c.sides[side];
      console.log(`  ${side.padEnd(8)} median ${fmt(median(s.rates))} records/s, ${fmt(median(s.rates) * c.samplesPerRecord)} samples/s, ${median(s.cpuMicros).toFixed(2)} µs CPU per record`);
    }
    console.log(`  each repeat's ratio, median over repeats: platform on ${c.client} (VIGIL_KAFKA_CLIENT) / bare ${c.ratios.bare.toFixed(3)}, / parse ${c.ratios.parse.toFixed(3)} (goal >= 0.9), / nest ${c.ratios.nest.toFixed(2)} (goal >= 3)`);
    console.log(`  platform on @platformatic/kafka / on kafkajs ${c.ratios.platformaticOverKafkajs.toFixed(3)}`);
    if (c.ratios.parse < minRatio) {
      console.error(`  FAIL: platform / parse ${c.ratios.parse.toFixed(3)} is below BENCH_MIN_RATIO ${minRatio}`);
      failed = true;
    }
    console.log(`\nBENCH_JSON ${JSON.stringify({ consumer: c })}`);
  }
  if (process.env.BENCH_DETECTOR !== 'false') {
    const o = fleetOptions();
    console.log(`\n[detector] vigil start detector holding ${fmt(o.entities)} entities x 8 metrics at 10-s steps: history catch-up, then ${o.liveSteps} live steps with faults`);
    const d = await fleetBench(broker.brokers, o);
    report.detector = d;
    printFleet(d);
    console.log(`BENCH_JSON_DETECTOR ${JSON.stringify(d)}`);
    for (const f of fleetFailures(d)) {
      console.error(`  FAIL: ${f}`);
      failed = true;
    }
  }
  if (process.env.BENCH_SCORING !== 'false') {
    console.log('\n[scoring] the detector\'s scoring core in process: series in their first day, and past their first week');
    report.scoring = scoringBench();
    printScoring(report.scoring);
    console.log(`BENCH_JSON_SCORING ${JSON.stringify(report.scoring)}`);
  }
  if (process.env.BENCH_PIPELINE !== 'false') {
    console.log('\n[pipeline] vigil start ingest detector: JSON samples in over HTTP, anomalies out on aiops.anomalies');
    // A broker fresh from its start spends most of its CPU compiling (JIT) during the first passes;
    // a production broker has long done that. Warm-up passes run the same load, unreported.
    for (let w = 0; w < Number(process.env.BENCH_PIPELINE_WARMUPS ?? 1); w++) {
      const warm = await pipelineBench(broker.brokers, 0, undefined, undefined, broker.pid());
      const c = warm.cpu_us_per_sample;
      console.log(`  warm-up pass ${w + 1}: ${fmt(warm.detector_samples_per_s)} samples/s scored; CPU per sample: vigil ${c.vigil.toFixed(1)} us, broker ${c.broker?.toFixed(1) ?? '(not ours)'} us (not reported)`);
    }
    const p = await pipelineBench(broker.brokers, 0, undefined, undefined, broker.pid());
    report.pipeline = p;
    printPipeline(p);
    console.log(`BENCH_JSON_PIPELINE ${JSON.stringify(p)}`);
    const passes = [p];
    if (process.env.BENCH_PIPELINE_HALF_LOAD !== 'false') {
      // Latency means something at a load the pipeline keeps up with: half what it scored flat out.
      console.log('\n[pipeline] the same at half the scored rate');
      const half = await pipelineBench(broker.brokers, p.detector_samples_per_s / 2, undefined, undefined, broker.pid());
      report.pipelineHalf = half;
      printPipeline(half);
      console.log(`BENCH_JSON_PIPELINE_HALF ${JSON.stringify(half)}`);
      passes.push(half);
    }
    // Every entity went wrong once: each must be flagged.
    for (const run of passes) {
      if (run.entities_flagged < run.entities) {
        console.error(`  FAIL: ${run.entities_flagged} of ${run.entities} faulty entities flagged`);
        failed = true;
      }
    }
  }
  if (process.env.BENCH_OVERLOAD !== 'false') {
    const o = overloadOptions();
    console.log(`\n[overload] vigil start detector: a steady stream, then ${o.factor}x for ${o.burstSeconds} s, then catch-up`);
    const r = await overloadBench(broker.brokers, o);
    report.overload = { ...r, entities: o.entities };
    printOverload(r, o);
    console.log(`BENCH_JSON_OVERLOAD ${JSON.stringify(r)}`);
    if (!r.process_alive || !r.caught_up || r.dead_lettered > 0) {
      console.error('  FAIL: under overload the detector must stay up, dead-letter nothing valid and catch up');
      failed = true;
    }
  }
  if (process.env.BENCH_RISK !== 'false') {
    const { ok, result } = await runRiskBench(broker.brokers);
    report.risk = result;
    if (!ok) failed = true;
  }
  if (process.env.BENCH_INGEST !== 'false') {
    const { ok, result } = await runIngestBench(broker.brokers);
    report.ingest = result;
    if (!ok) failed = true;
  }
  if (process.env.BENCH_LOGS !== 'false') {
    const { ok, result } = await runLogsBench(broker.brokers);
    report.logs = result;
    if (!ok) failed = true;
  }
  if (process.env.BENCH_SERVICES !== 'false') {
    report.services = await serviceBenches(broker.brokers);
    for (const s of report.services) {
      if (!(s.service_records_per_s > 0)) {
        console.error(`  FAIL: ${s.service} processed nothing`);
        failed = true;
      }
    }
  }
  if (process.env.BENCH_RECO !== 'false') {
    console.log('\n[reco] recommender service (vigil start reco): ingest while serving, GET latency, append to changed top-10');
    report.reco = await recoBench(broker.brokers);
    console.log(`BENCH_JSON_RECO ${JSON.stringify(report.reco)}`);
  }
  if (process.env.BENCH_REMEDIATION !== 'false') {
    const { ok, result } = await runRemediationBench();
    report.remediation = result;
    if (!ok) failed = true;
  }
  const knobs = Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_')).map(([k, v]) => `${k}=${v}`).sort();
  console.log(`\n[report]\n${reportTable(report, [...knobs, 'npm run bench'].join(' '))}`);
} finally {
  await broker.stop();
}
process.exit(failed ? 1 : 0);
