/**
 * The report card `npm run bench` ends with: one markdown table of the run's figures, each
 * next to the bare client where there is one, with the machine and the command — what the
 * README's "Measured" table is pasted from.
 */
import { platformSide, type ConsumerBenchResult, type Side } from './consumer.bench.js';
import type { FleetResult } from './detector.bench.js';
import { fmt, machine, median } from './harness.js';
import type { IngestBenchResult } from './ingest.bench.js';
import type { LogsBenchResult } from './logs.bench.js';
import type { OverloadResult } from './overload.bench.js';
import type { PipelineResult } from './pipeline.bench.js';
import type { RecoBenchResult } from './reco.bench.js';
import type { RemediationBenchResult } from './remediation.bench.js';
import type { RiskBenchResult } from './risk.bench.js';
import type { ScoringResult } from './scoring.bench.js';
import type { ServiceBenchResult } from './service.bench.js';

export interface Report {
  consumer?: ConsumerBenchResult;
  detector?: FleetResult;
  scoring?: ScoringResult;
  pipeline?: PipelineResult;
  /** The pipeline again, paced to half the first pass's scored rate. */
  pipelineHalf?: PipelineResult;
  overload?: OverloadResult & { entities: number };
  risk?: RiskBenchResult;
  ingest?: IngestBenchResult;
  logs?: LogsBenchResult;
  services?: ServiceBenchResult[];
  reco?: RecoBenchResult;
  remediation?: RemediationBenchResult;
}

const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '—');

export function reportTable(r: Report, command: string): string {
  const rows: string[][] = [];
  const row = (what: string, bare: string, vigil: string, vs: string) => rows.push([what, bare, vigil, vs]);
  if (r.consumer) {
    const c = r.consumer;
    const rate = (side: Side) => median(c.sides[side].rates);
    const cpu = (side: Side) => median(c.sides[side].cpuMicros).toFixed(2);
    const what = `${fmt(c.records)} telemetry.metrics records of ${c.samplesPerRecord} sample${c.samplesPerRecord > 1 ? 's' : ''}, production headers, median of ${c.repeats}`;
    const mine = platformSide(c.client);
    row(`consume ${what} (records/s), the platform on ${c.client}; bare: kafkajs eachBatch doing nothing`, fmt(rate('bare')), fmt(rate(mine)), c.ratios.bare.toFixed(2));
    row('  bare: kafkajs eachBatch doing JSON.parse of every record (records/s)', fmt(rate('parse')), fmt(rate(mine)), c.ratios.parse.toFixed(2));
    row('  bare: NestJS ServerKafka, @EventPattern handler parsing and validating (records/s)', fmt(rate('nest')), fmt(rate(mine)), c.ratios.nest.toFixed(2));
    row('  the platform consumer on @platformatic/kafka (VIGIL_KAFKA_CLIENT=platformatic) vs on kafkajs (records/s)', fmt(rate('platform')), fmt(rate('platformatic')), c.ratios.platformaticOverKafkajs.toFixed(2));
    row(`  samples/s (the platform on ${c.client})`, '', fmt(rate(mine) * c.samplesPerRecord), '');
    row('  CPU per record (µs): nothing / JSON.parse / ServerKafka vs platform', `${cpu('bare')} / ${cpu('parse')} / ${cpu('nest')}`, cpu('platform'), '');
    row('  CPU per record (µs): platform on kafkajs vs on @platformatic/kafka', cpu('platform'), cpu('platformatic'), '');
  }
  if (r.ingest) {
    const i = r.ingest;
    row(`ingest: remote_write batches of ${fmt(i.batch)} over HTTP → Kafka, median of ${i.bare.length} (samples/s)`, fmt(median(i.bare)), fmt(median(i.http)), i.ratio.toFixed(2));
  }
  if (r.pipeline) {
    const p = r.pipeline;
    row(`pipeline ingest → detector → anomalies, ${p.entities} entities × 8 metrics from ${p.clients} clients, one record per entity and request (samples/s scored)`, '', fmt(p.detector_samples_per_s), '');
    row('  step-closing request acknowledged → anomaly appended, flat out (ms)', '', `p50 ${fmt(p.latency_ms.p50)}, p99 ${fmt(p.latency_ms.p99)}`, '');
    const c = p.cpu_us_per_sample;
    row('  CPU per sample scored, flat out (µs): vigil / broker / the bench\'s clients and reader', '', `${c.vigil.toFixed(1)} / ${c.broker?.toFixed(1) ?? '—'} / ${c.bench.toFixed(1)}`, '');
    if (r.pipelineHalf) {
      const h = r.pipelineHalf;
      row(`  the same paced to ${fmt(h.offered_samples_per_s)} samples/s (half): request acknowledged → anomaly appended (ms)`, '', `p50 ${fmt(h.latency_ms.p50)}, p99 ${fmt(h.latency_ms.p99)}`, '');
    }
    row(`  memory per 1,000 entities: the process's RSS at ${p.entities} entities scaled, fixed overhead included (MiB)`, '', fmt(p.rss_per_1000_entities_mib), '');
  }
  if (r.detector) {
    const d = r.detector;
    const kib = (b: number) => (b / 1024).toFixed(1);
    row(`detector fleet: one \`vigil start detector\`, ${fmt(d.entities)} entities × 8 metrics = ${fmt(d.series)} series, ${d.history_steps} history steps caught up (samples/s; bare: the bench's producer alone)`, fmt(d.producer_samples_per_s), fmt(d.detector_catch_up_samples_per_s), ratio(d.detector_catch_up_samples_per_s, d.producer_samples_per_s));
    row(`  then ${d.live_steps} live steps, one every ${d.step_seconds} s: step-closing sample sent → anomaly appended, ${d.faults_flagged} of ${d.faulty_entities} faults flagged (ms)`, '', `p50 ${fmt(d.latency_ms.p50)}, p99 ${fmt(d.latency_ms.p99)}`, '');
    row(`  lag on telemetry.metrics, live (records; one step is ${fmt(d.series)})`, '', `max ${fmt(d.lag.max_live)}, before each step ≤ ${fmt(d.lag.max_before_step)}, end ${fmt(d.lag.end)}`, '');
    row('  a live step sent → all of it committed (s)', '', `median ${d.live_step_committed_seconds.median.toFixed(1)}, max ${d.live_step_committed_seconds.max.toFixed(1)}`, '');
    row('  memory: RSS (MiB), per series all in / detector state (KiB)', '', `${fmt(d.rss_mib.end)} (peak ${fmt(d.rss_mib.peak)}); ${kib(d.rss_bytes_per_series)} / ${kib(d.state_bytes_per_series)}`, '');
    row('  checkpoints to aiops.detector-state, live (bytes/s)', '', fmt(d.checkpoint_bytes_per_s), '');
  }
  if (r.scoring) {
    const s = r.scoring;
    row(`detector scoring core in process, ${fmt(s.series)} series at 5-minute steps, median of ${s.repeats}: first day / past the first week (samples/s)`, '', `${fmt(s.first_day_samples_per_s)} / ${fmt(s.past_first_week_samples_per_s)}`, '');
  }
  if (r.overload) {
    const o = r.overload;
    row(`overload: detector at ${fmt(o.burst_samples_per_s)} samples/s offered, ${o.entities} entities`, '', `peak RSS ${fmt(o.peak_rss_mib)} MiB, max lag ${fmt(o.max_lag_records)}, caught up in ${o.catch_up_seconds.toFixed(0)} s`, '');
  }
  if (r.logs) {
    const l = r.logs;
    row(`logs (${l.backend}): ${fmt(l.lines)} lines (lines/s)`, fmt(l.bare_lines_per_s), fmt(l.logs_lines_per_s), l.ratio.toFixed(3));
    row('  the same with LSTM training time taken out', fmt(l.bare_lines_per_s), fmt(l.logs_scoring_lines_per_s), ratio(l.logs_scoring_lines_per_s, l.bare_lines_per_s));
  }
  for (const s of r.services ?? []) {
    row(`${s.service}: ${fmt(s.records)} records on ${s.topic}, own process (records/s)`, fmt(s.bare_records_per_s), fmt(s.service_records_per_s), s.ratio.toFixed(3));
    if (s.after) row(`  then ${s.after.what} (${fmt(s.after.records)} records)`, fmt(s.bare_records_per_s), fmt(s.after.service_records_per_s), s.after.ratio.toFixed(3));
  }
  if (r.risk) {
    const k = r.risk;
    row(`risk: ${fmt(k.transactions)} transactions offered at ${fmt(k.offered_rate)}/s, all scored once (append → score, ms)`, '', `p50 ${fmt(k.e2e_ms.p50)}, p99 ${fmt(k.e2e_ms.p99)}`, '');
    row('  scorer processing per transaction (ms)', '', `p50 ${k.processing_ms.p50}, p99 ${k.processing_ms.p99}`, '');
  }
  if (r.reco) {
    const c = r.reco;
    row(`reco: ${fmt(c.events)} interactions learned while serving ${c.rps} GET/s (interactions/s)`, '', fmt(c.ingestPerSecond), '');
    row(`  GET /recommendations at ${c.rps}/s (ms)`, '', `p50 ${c.get.p50.toFixed(1)}, p99 ${c.get.p99.toFixed(1)}`, '');
    const split = (g: RecoBenchResult['getOtherwise']) => (g.requests > 0 ? `p99 ${g.p99.toFixed(1)} (${fmt(g.requests)})` : 'none');
    row('  the same GETs sent while an item-model refit ran / otherwise (ms, requests)', '', `${split(c.getDuringRefit)} / ${split(c.getOtherwise)}`, '');
  }
  if (r.remediation) {
    const m = r.remediation;
    for (const x of m.runs) {
      row(`remediation: ${fmt(m.incidents)} guardrail decisions over ${m.environments} environments, ${x.processes} process(es) on one PostgreSQL (decisions/s; ${x.sent} sent)`, '', fmt(x.decisions_per_s), '');
    }
  }
  const lines = [
    `${machine()}; \`${command}\`; ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| what | bare kafkajs | Vigil | Vigil / bare |',
    '|---|---|---|---|',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ];
  return lines.join('\n');
}
