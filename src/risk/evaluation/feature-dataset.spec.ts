import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_INDEX as F } from '../features/feature-names.js';
import { DAY_MS } from '../options.js';
import { replayFile, trainingRows } from './feature-dataset.js';

const HEADER = 'TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD,TX_FRAUD_SCENARIO';
// A fraud at terminal 9 on day 0, then transactions at terminal 9 on days 6, 7 and 8.
const ROWS = [
  '0,2018-04-01 10:00:00,1,9,500.0,36000,0,1,1',
  '1,2018-04-07 10:00:00,2,9,20.0,554400,6,0,0',
  '2,2018-04-08 09:59:59,3,9,20.0,640799,7,0,0',
  '3,2018-04-08 10:00:00,4,9,20.0,640800,7,0,0',
  '4,2018-04-09 10:00:00,5,9,20.0,727200,8,0,0',
];

describe('replayFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'risk-replay-'));
    await writeFile(join(dir, 'tx.csv.gz'), gzipSync(`${HEADER}\n${ROWS.join('\n')}\n`));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('uses a label only once its delay has passed', async () => {
    const { dataset } = await replayFile(join(dir, 'tx.csv.gz'), { labelDelayDays: 7 });
    const rate = (i: number) => dataset.rows[i * Object.keys(F).length + F.term_fraud_rate_30d];
    expect([rate(1), rate(2), rate(3), rate(4)]).toEqual([0, 0, 1, 1]);
    expect(Array.from(dataset.labels.subarray(0, dataset.n))).toEqual([1, 0, 0, 0, 0]);
  });

  it('trains only on transactions whose labels arrived before the cut-off', async () => {
    const { dataset } = await replayFile(join(dir, 'tx.csv.gz'), { labelDelayDays: 7 });
    const cutoff = Date.parse('2018-04-15T10:00:00Z');
    // Row 1's label arrives on 04-14 (kept), row 2's one second before the cut-off (kept), row 3's
    // exactly at it (not arrived before it), row 4's a day later.
    expect(Array.from(trainingRows(dataset, cutoff, 7 * DAY_MS, 0))).toEqual([0, 1, 2]);
    // The warm-up drops rows from the stream's first days, whatever their labels.
    expect(Array.from(trainingRows(dataset, cutoff, 7 * DAY_MS, 6.5 * DAY_MS))).toEqual([2]);
  });
});
