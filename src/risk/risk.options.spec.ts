import { describe, expect, it } from 'vitest';
import { loadRiskOptions } from './risk.options.js';

describe('loadRiskOptions', () => {
  it('reads currencies, thresholds, delay and reasons from the environment', () => {
    const o = loadRiskOptions({ RISK_CURRENCIES: 'eur, USD', RISK_REVIEW_THRESHOLD: '0.4', RISK_LABEL_DELAY_DAYS: '14', RISK_REASONS: 'flagged', RISK_MODEL_DIR: 'rules' });
    expect([...o.currencies!]).toEqual(['EUR', 'USD']);
    expect(o.thresholds).toEqual({ review: 0.4 });
    expect(o.labelDelayMs).toBe(14 * 86_400_000);
    expect(o.reasons).toBe('flagged');
    expect(o.modelDir).toBe('rules');
    expect(o.topics).toEqual({ transactions: 'risk.transactions', labels: 'risk.labels', scores: 'risk.scores' });
  });

  it('reads the retraining schedule: 6 h by default, a duration, 0 to turn it off', () => {
    expect(loadRiskOptions({}).retrain).toEqual({ intervalMs: 6 * 3_600_000, minRows: 20_000, minFrauds: 100, holdoutFraction: 0.2, maxLabelled: 200_000, maxPending: 150_000 });
    expect(loadRiskOptions({ RISK_RETRAIN_INTERVAL: '30m', RISK_RETRAIN_MIN_FRAUDS: '10' }).retrain).toMatchObject({ intervalMs: 1_800_000, minFrauds: 10 });
    expect(loadRiskOptions({ RISK_RETRAIN_INTERVAL: '0' }).retrain.intervalMs).toBe(0);
    expect(() => loadRiskOptions({ RISK_RETRAIN_INTERVAL: '6' })).toThrow(/RISK_RETRAIN_INTERVAL: "6" is not a duration/);
    expect(() => loadRiskOptions({ RISK_RETRAIN_HOLDOUT: '1' })).toThrow(/RISK_RETRAIN_HOLDOUT must be a fraction/);
  });

  it('says what is wrong with a bad value', () => {
    expect(() => loadRiskOptions({ RISK_MODEL_DIR: '/nonexistent/model' })).toThrow(/RISK_MODEL_DIR=\/nonexistent\/model: no such directory/);
    expect(() => loadRiskOptions({ RISK_CURRENCIES: 'EURO' })).toThrow(/"EURO" is not a three-letter currency code/);
    expect(() => loadRiskOptions({ RISK_DECLINE_THRESHOLD: '1.5' })).toThrow(/RISK_DECLINE_THRESHOLD must be a probability/);
    expect(() => loadRiskOptions({ RISK_REASONS: 'some' })).toThrow(/RISK_REASONS must be always or flagged/);
  });
});
