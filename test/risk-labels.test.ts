import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import { StageRunner } from '../src/platform/stage/stage-runner.js';
import { topicSpecs } from '../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../src/platform/streams/validator.js';
import { loadRiskService } from '../src/risk/risk.consumer.js';
import { loadRiskOptions } from '../src/risk/risk.options.js';
import type { RiskService, ScoreMessage } from '../src/risk/risk.service.js';
import { kafkaBus } from './support/kafka.js';
import { testCatalogue } from './support/test-catalogue.js';
import { until } from './support/until.js';

const DAY = 86_400_000;
const T0 = Date.parse('2024-03-01T10:00:00Z');

/**
 * The risk service's handler on its own fresh topics through the real broker (the same
 * loadRiskService the `risk` module runs, in this process so the test can see its state): a fraud
 * label published at once — an hour after its transaction — must not count before the
 * configured delay has passed in event time.
 */
describe('risk labels through a real broker', () => {
  const { catalogue, names } = testCatalogue({
    tx: { schema: 'risk.transactions' },
    labels: { schema: 'risk.labels' },
    scores: { schema: 'risk.scores', dlq: false },
  });
  let bus: Bus;
  let rulesDir: string;
  let runner: StageRunner<never> | undefined;

  beforeAll(async () => {
    bus = kafkaBus();
    await bus.connect();
    await bus.applyTopics(topicSpecs(catalogue));
    rulesDir = await mkdtemp(join(tmpdir(), 'risk-rules-'));
    // Rules read the features directly, so the scores show whether the label has been counted.
    await writeFile(
      join(rulesDir, 'probe.yaml'),
      [
        'limits:',
        '  - { id: terminal-fraud-known, feature: term_fraud_rate_30d, above: 0, decision: review }',
        '  - { id: card-fraud-known, feature: cust_known_frauds_7d, above: 0, decision: decline }',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await runner?.stop();
    await bus.disconnect();
    await rm(rulesDir, { recursive: true, force: true });
  });

  it('does not use a label before its delay, though it was published right after its transaction', async () => {
    const options = { ...loadRiskOptions({ RISK_RULES_DIR: rulesDir, RISK_LABEL_DELAY_DAYS: '7' }), modelDir: undefined, modelSource: 'none' as const };
    options.topics = { transactions: names.tx!, labels: names.labels!, scores: names.scores! };
    const service: RiskService = await loadRiskService(options, () => {});
    const scores = new Map<string, ScoreMessage>();
    const reader = await bus.subscribe({ groupId: `reader-${names.scores}`, topics: [names.scores!], fromBeginning: true }, async (batch, control) => {
      for (const r of batch.records) {
        const s = JSON.parse(r.value!.toString()) as ScoreMessage;
        scores.set(s.transaction_id, s);
      }
      await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
    });
    runner = new StageRunner(bus, catalogue, new SchemaRegistry(catalogue), {
      service: 'risk-labels-test',
      groupId: `risk-labels-${Date.now()}`,
      topics: [names.tx!, names.labels!],
      handle: service.handle as never,
    });
    await runner.start();

    const tx = (id: string, time: number) => ({
      topic: names.tx!,
      key: 'card-1',
      value: JSON.stringify({ transaction_id: id, timestamp: time, customer_id: 'card-1', terminal_id: 'term-1', amount: 42 }),
    });
    await bus.send([tx('tx-0', T0)]);
    await until(() => scores.has('tx-0'), 30_000, 'the first score');
    // The fraud verdict is known an hour later and published at once.
    await bus.send([
      {
        topic: names.labels!,
        key: 'card-1',
        value: JSON.stringify({ transaction_id: 'tx-0', customer_id: 'card-1', terminal_id: 'term-1', transaction_timestamp: T0, timestamp: T0 + 3_600_000, fraud: true, amount: 42 }),
      },
    ]);
    await until(() => service.scorer.features.pendingLabelCount === 1, 30_000, 'the label to be consumed');
    // Same card, same partition: these are scored in this order.
    await bus.send([tx('tx-1h', T0 + 2 * 3_600_000), tx('tx-1d', T0 + DAY), tx('tx-6d23h', T0 + 7 * DAY - 3_600_000), tx('tx-7d1m', T0 + 7 * DAY + 60_000)]);
    await until(() => scores.size === 5, 30_000, 'five scores');
    await reader.stop();

    for (const id of ['tx-0', 'tx-1h', 'tx-1d', 'tx-6d23h']) expect(scores.get(id), id).toMatchObject({ decision: 'approve', reasons: [] });
    expect(scores.get('tx-7d1m')).toMatchObject({ decision: 'decline', reasons: ['rule:card-fraud-known', 'rule:terminal-fraud-known'] });
    expect(service.scorer.features.pendingLabelCount).toBe(0);
  });
});
