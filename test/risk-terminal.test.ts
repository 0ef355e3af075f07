import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import { StageRunner } from '../src/platform/stage/stage-runner.js';
import { topicSpecs } from '../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../src/platform/streams/validator.js';
import { FEATURE_INDEX as F } from '../src/risk/features/feature-names.js';
import { loadRiskService } from '../src/risk/risk.consumer.js';
import { loadRiskOptions } from '../src/risk/risk.options.js';
import type { RiskService } from '../src/risk/risk.service.js';
import { startRiskStages } from '../src/risk/risk.stages.js';
import { kafkaBus, withAdmin } from './support/kafka.js';
import { testCatalogue } from './support/test-catalogue.js';
import { until } from './support/until.js';

const DAY = 86_400_000;
const T0 = Date.parse('2024-03-01T10:00:00Z');

/**
 * Two risk processes (each its own service, feature state and consumers, as `vigil start risk`
 * builds them with startRiskStages) share risk.transactions through one consumer group, one
 * partition each. One terminal's transactions come from two cards on different partitions, so
 * each process scores only half of them; both must still see both of the terminal's labels, and
 * neither before the delay.
 */
describe('terminal label features with two risk processes', () => {
  const { catalogue, names } = testCatalogue({
    tx: { schema: 'risk.transactions', partitions: 2 },
    labels: { schema: 'risk.labels', partitions: 2 },
    scores: { schema: 'risk.scores', dlq: false, partitions: 2 },
  });
  const schemas = new SchemaRegistry(catalogue);
  const groupPrefix = `risk-term-${Date.now().toString(36)}`;
  let bus: Bus;
  const running: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    bus = kafkaBus();
    await bus.connect();
    await bus.applyTopics(topicSpecs(catalogue));
  });
  afterAll(async () => {
    for (const r of running) await r.stop();
    await bus.disconnect();
  });

  it('gives both processes the same terminal fraud features, from labels on every partition, only after the delay', async () => {
    const options = { ...loadRiskOptions({ RISK_LABEL_DELAY_DAYS: '7' }), modelDir: undefined, modelSource: 'none' as const };
    options.topics = { transactions: names.tx!, labels: names.labels!, scores: names.scores! };
    const processes: Array<{ name: string; service: RiskService; partitions: number[]; features: Map<string, Float32Array> }> = [];
    for (const name of ['p1', 'p2']) {
      const service = await loadRiskService(options, () => {});
      const p = { name, service, partitions: [] as number[], features: new Map<string, Float32Array>() };
      service.scorer.onScored = (tx, features) => void p.features.set(tx.id, Float32Array.from(features));
      processes.push(p);
      const stages = await startRiskStages(
        {
          start: async (o) => {
            const runner = new StageRunner(bus, catalogue, schemas, o);
            await runner.start();
            return runner;
          },
          endOffsets: (topic) => bus.endOffsets(topic),
          groupPrefix,
          instance: name,
          log: () => {},
          onAssignment: (assigned) => void (p.partitions = assigned.filter((a) => a.topic === names.tx).map((a) => a.partition)),
        },
        service,
        options,
      );
      running.push(...stages);
    }
    await until(() => processes.every((p) => p.partitions.length === 1), 60_000, 'one partition of the transactions each');

    // Two cards, one terminal, on different partitions: each process scores one card.
    const tx = (id: string, card: string, partition: number, time: number) => ({
      topic: names.tx!,
      key: card,
      partition,
      value: JSON.stringify({ transaction_id: id, timestamp: time, customer_id: card, terminal_id: 'term-1', amount: 42 }),
    });
    const label = (id: string, card: string, partition: number, time: number, fraud: boolean) => ({
      topic: names.labels!,
      key: card,
      partition,
      value: JSON.stringify({ transaction_id: id, customer_id: card, terminal_id: 'term-1', transaction_timestamp: time, timestamp: time + 3_600_000, fraud, amount: 42 }),
    });
    const scored = (id: string) => processes.find((p) => p.features.has(id));
    await bus.send([tx('a-0', 'card-a', 0, T0), tx('b-0', 'card-b', 1, T0 + 60_000)]);
    await until(() => !!scored('a-0') && !!scored('b-0'), 30_000, 'the first two scores');
    expect(scored('a-0')).not.toBe(scored('b-0'));

    // Their verdicts an hour later, each on its card's partition: a fraud and a genuine one.
    await bus.send([label('a-0', 'card-a', 0, T0, true), label('b-0', 'card-b', 1, T0 + 60_000, false)]);
    await until(() => processes.every((p) => p.service.scorer.features.pendingLabelCount === 2), 30_000, 'both labels held by both processes');

    // Before the delay, on each partition: neither process counts them.
    await bus.send([tx('a-early', 'card-a', 0, T0 + 7 * DAY - 3_600_000), tx('b-early', 'card-b', 1, T0 + 7 * DAY - 3_600_000)]);
    // After it: both count both.
    await bus.send([tx('a-late', 'card-a', 0, T0 + 7 * DAY + 3_600_000), tx('b-late', 'card-b', 1, T0 + 7 * DAY + 3_600_000)]);
    await until(() => ['a-early', 'b-early', 'a-late', 'b-late'].every((id) => scored(id)), 30_000, 'four more scores');

    const term = (id: string) => {
      const f = scored(id)!.features.get(id)!;
      return { labelled30d: f[F.term_labelled_count_30d], fraudRate30d: f[F.term_fraud_rate_30d], fraudRate7d: f[F.term_fraud_rate_7d] };
    };
    expect(scored('a-late')).not.toBe(scored('b-late'));
    expect(term('a-early')).toEqual({ labelled30d: 0, fraudRate30d: 0, fraudRate7d: 0 });
    expect(term('b-early')).toEqual({ labelled30d: 0, fraudRate30d: 0, fraudRate7d: 0 });
    expect(term('a-late')).toEqual({ labelled30d: 2, fraudRate30d: 0.5, fraudRate7d: 0.5 });
    expect(term('b-late')).toEqual(term('a-late'));

    // Stopped, each process's own labels group is deleted; the shared transactions group stays.
    for (const r of running.splice(0)) await r.stop();
    const groups = (await withAdmin((admin) => admin.listGroups())).groups.map((g) => g.groupId).filter((g) => g.startsWith(groupPrefix));
    expect(groups).toEqual([`${groupPrefix}-risk`]);
  });
});
