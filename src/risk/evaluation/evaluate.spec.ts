import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RiskModel } from '../model/risk-model.js';
import { seededRandom } from '../../platform/random.js';
import { FEATURE_STATE_FILE, train } from '../train.js';
import { evaluate } from './evaluate.js';

const SMALL = { kind: 'logistic' as const, epochs: 40, batchSize: 32, learningRate: 0.02 };

/** 45 days of a small synthetic stream in the handbook's format: big amounts are fraud. */
function syntheticCsv(): string {
  const random = seededRandom(5);
  const lines = ['TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD,TX_FRAUD_SCENARIO'];
  const start = Date.parse('2018-04-01T00:00:00Z');
  for (let i = 0; i < 45 * 60; i++) {
    const seconds = i * 1440;
    const fraud = random() < 0.05;
    const amount = fraud ? 300 + 100 * random() : 10 + 80 * random();
    const stamp = new Date(start + seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
    lines.push([i, stamp, Math.floor(random() * 30), Math.floor(random() * 20), amount.toFixed(2), seconds, Math.floor(seconds / 86400), fraud ? 1 : 0, fraud ? 1 : 0].join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('evaluate and train on a small synthetic file', () => {
  let dir: string;
  let data: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'risk-eval-'));
    data = join(dir, 'tx.csv');
    await writeFile(data, syntheticCsv());
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reports the three metrics on the test period only, trained on labels known before it', async () => {
    const report = await evaluate({ data, testFrom: '2018-05-10', latency: false, model: SMALL });
    expect(report.test).toMatchObject({ from: '2018-05-10', days: 6, transactions: 6 * 60 });
    // Warm-up ends 05-01; labels arriving before 05-10 belong to transactions before 05-03.
    expect(report.train.from.startsWith('2018-05-01')).toBe(true);
    expect(report.train.until.startsWith('2018-05-02')).toBe(true);
    expect(report.auc).toBeGreaterThan(0.95);
    expect(report.average_precision).toBeGreaterThan(0.8);
    expect(report.card_precision_at_100).toBeGreaterThan(0);
  });

  it('trains into a directory that loads back with its feature state', async () => {
    const out = join(dir, 'model');
    const report = await train({ data, out, until: '2018-05-10', labelDelayDays: 7, model: SMALL });
    expect(report.cutoff).toBe('2018-05-10T00:00:00.000Z');
    await access(join(out, FEATURE_STATE_FILE));
    const model = await RiskModel.load(out);
    expect(model.metadata.trainedRows).toBe(report.trainedOn);
    model.dispose();
  });
});
