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

  it('says what is wrong with a bad value', () => {
    expect(() => loadRiskOptions({ RISK_MODEL_DIR: '/nonexistent/model' })).toThrow(/RISK_MODEL_DIR=\/nonexistent\/model: no such directory/);
    expect(() => loadRiskOptions({ RISK_CURRENCIES: 'EURO' })).toThrow(/"EURO" is not a three-letter currency code/);
    expect(() => loadRiskOptions({ RISK_DECLINE_THRESHOLD: '1.5' })).toThrow(/RISK_DECLINE_THRESHOLD must be a probability/);
    expect(() => loadRiskOptions({ RISK_REASONS: 'some' })).toThrow(/RISK_REASONS must be always or flagged/);
  });
});
