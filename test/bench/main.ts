/**
 * `npm run bench`: Vigil against the bare Kafka client on one real broker, in one run.
 * BENCH_RECORDS and BENCH_REPEATS scale it (CI runs a short version).
 */
import { quietKafkaJsTimeoutWarning } from '../../src/platform/cli/quiet-warnings.js';
import { consumerBench } from './consumer.bench.js';
import { fleetBench, fleetFailures, fleetOptions, printFleet } from './detector.bench.js';
import { overloadBench, overloadOptions, printOverload } from './overload.bench.js';
import { pipelineBench, printPipeline } from './pipeline.bench.js';
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
  console.log('\n[consumer] platform consumer vs bare kafkajs eachBatch');
  const c = await consumerBench(broker.brokers, records, repeats);
  report.consumer = c;
  console.log(`  bare kafkajs   median ${fmt(median(c.bare))} records/s`);
  console.log(`  vigil platform median ${fmt(median(c.platform))} records/s`);
  console.log(`  CPU per record (median): bare ${c.bareCpuMicros.toFixed(2)} µs, platform ${c.platformCpuMicros.toFixed(2)} µs`);
  console.log(`  ratio ${c.ratio.toFixed(3)} (goal >= 0.9)`);
  if (c.ratio < minRatio) {
    console.error(`  FAIL: ratio ${c.ratio.toFixed(3)} is below BENCH_MIN_RATIO ${minRatio}`);
    failed = true;
  }
  console.log(`\nBENCH_JSON ${JSON.stringify({ consumer: { records, bare_median: median(c.bare), platform_median: median(c.platform), ratio: c.ratio, bare_cpu_us_per_record: c.bareCpuMicros, platform_cpu_us_per_record: c.platformCpuMicros } })}`);
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
  if (process.env.BENCH_PIPELINE !== 'false') {
    console.log('\n[pipeline] vigil start ingest detector: JSON samples in over HTTP, anomalies out on aiops.anomalies');
    const p = await pipelineBench(broker.brokers);
    report.pipeline = p;
    printPipeline(p);
    console.log(`BENCH_JSON_PIPELINE ${JSON.stringify(p)}`);
    // Every entity went wrong once: each must be flagged.
    if (p.entities_flagged < p.entities) {
      console.error(`  FAIL: ${p.entities_flagged} of ${p.entities} faulty entities flagged`);
      failed = true;
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
