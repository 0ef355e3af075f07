import { describe, expect, it } from 'vitest';
import { FEATURE_COUNT, FEATURE_INDEX } from '../features/feature-names.js';
import type { Transaction } from '../types.js';
import { decide } from './decide.js';
import { loadRiskRules, parseRiskRules, RiskRuleError } from './load-rules.js';

const RULES = parseRiskRules([
  { file: 'thresholds.yaml', text: 'thresholds: { review: 0.4, decline: 0.9 }' },
  {
    file: 'limits.yaml',
    text: `
limits:
  - { id: big-amount, feature: amount, above: 5000, decision: decline }
  - { id: busy-card, feature: cust_tx_count_1d, above: 20, decision: review }
`,
  },
  {
    file: 'lists.yaml',
    text: `
lists:
  - { id: bad-terminals, decision: decline, terminals: [666] }
  - { id: vip, decision: approve, customers: ["vip-1", "mixed"] }
  - { id: stolen, decision: decline, customers: [mixed] }
`,
  },
]);

const tx = (over: Partial<Transaction> = {}): Transaction => ({ id: '1', time: 0, customerId: 'c', terminalId: 't', amount: 50, ...over });
const features = (over: Partial<Record<keyof typeof FEATURE_INDEX, number>> = {}) => {
  const f = new Float32Array(FEATURE_COUNT);
  f[FEATURE_INDEX.amount] = 50;
  for (const [k, v] of Object.entries(over)) f[FEATURE_INDEX[k as keyof typeof FEATURE_INDEX]] = v;
  return f;
};

describe('decide', () => {
  it('maps the score through the configured thresholds when no rule fires', () => {
    expect(decide(tx(), features(), 0.1, RULES).decision).toBe('approve');
    expect(decide(tx(), features(), 0.4, RULES).decision).toBe('review');
    expect(decide(tx(), features(), 0.95, RULES).decision).toBe('decline');
  });

  it('lets a deny list force a decline on a low score and an allow list force an approval on a high one', () => {
    const denied = decide(tx({ terminalId: '666' }), features(), 0.01, RULES);
    expect(denied).toMatchObject({ decision: 'decline', rules: ['bad-terminals'] });
    expect(denied.reasons[0]).toMatchObject({ kind: 'rule', rule: 'bad-terminals' });
    expect(decide(tx({ customerId: 'vip-1' }), features(), 0.99, RULES)).toMatchObject({ decision: 'approve', rules: ['vip'] });
  });

  it('takes the most severe rule when several fire', () => {
    expect(decide(tx({ customerId: 'mixed' }), features(), 0.1, RULES)).toMatchObject({ decision: 'decline', rules: ['stolen', 'vip'] });
    const both = decide(tx(), features({ amount: 9000, cust_tx_count_1d: 25 }), 0.1, RULES);
    expect(both).toMatchObject({ decision: 'decline', rules: ['big-amount', 'busy-card'] });
  });

  it('names the features that pushed the score up the most', () => {
    const contributions = new Float32Array(FEATURE_COUNT);
    contributions[FEATURE_INDEX.term_fraud_rate_7d] = 2.5;
    contributions[FEATURE_INDEX.amount] = 1.0;
    contributions[FEATURE_INDEX.is_night] = -3;
    const { reasons } = decide(tx(), features(), 0.95, RULES, contributions, 2);
    expect(reasons.map((r) => (r.kind === 'feature' ? r.feature : r.rule))).toEqual(['term_fraud_rate_7d', 'amount']);
  });
});

describe('rule files', () => {
  const problemsOf = (...sources: Array<{ file: string; text: string }>): string[] => {
    try {
      parseRiskRules(sources);
    } catch (err) {
      expect(err).toBeInstanceOf(RiskRuleError);
      return (err as RiskRuleError).problems;
    }
    throw new Error('expected the rules to be rejected');
  };

  it('loads the repository rules', async () => {
    const rules = await loadRiskRules('rules/risk');
    expect(rules.thresholds.review).toBeLessThan(rules.thresholds.decline);
    expect(rules.limits.length).toBeGreaterThan(0);
  });

  it('names the file, line and column of each problem', () => {
    const problems = problemsOf(
      { file: 'a.yaml', text: 'limits:\n  - { id: x, feature: amout, above: 1, decision: decline }\n  - { id: y, feature: amount, decision: block }' },
      { file: 'b.yaml', text: 'lists:\n  - { id: x, decision: approve, customers: [1, {a: 2}] }\nextra: 1' },
    );
    expect(problems).toEqual([
      expect.stringMatching(/^a\.yaml:2:23: limits\[0\]\.feature: unknown feature "amout" \(known: amount, /),
      'a.yaml:3:41: limits[1].decision: must be one of approve, review, decline (got "block")',
      'a.yaml:3:5: limits[1]: needs above and/or below',
      'b.yaml:3:8: extra: unknown key (expected thresholds, limits or lists)',
      "b.yaml:2:11: lists[0].id: duplicate id 'x' (also in a.yaml)",
      'b.yaml:2:48: lists[0].customers[1]: must be a string or integer id (got {"a":2})',
    ]);
  });

  it('says when the rule directory cannot be read', async () => {
    await expect(loadRiskRules('rules/no-such-dir')).rejects.toThrow('rules/no-such-dir: cannot read the rules directory (ENOENT)');
  });

  it('rejects bad thresholds, thresholds set twice, and YAML that does not parse', () => {
    expect(problemsOf({ file: 't.yaml', text: 'thresholds: { review: 0.9, decline: 1.5 }' })).toEqual([
      't.yaml:1:37: thresholds.decline: must be a number between 0 and 1 (got 1.5)',
    ]);
    expect(problemsOf({ file: 't.yaml', text: 'thresholds: { review: 0.9, decline: 0.5 }' })).toEqual([
      't.yaml:1:13: thresholds: review (0.9) must not exceed decline (0.5)',
    ]);
    expect(problemsOf({ file: 'a.yaml', text: 'thresholds: { review: 0.1, decline: 0.5 }' }, { file: 'b.yaml', text: 'thresholds: { review: 0.1, decline: 0.5 }' })).toEqual([
      'b.yaml:1:13: thresholds: already set in a.yaml; set them in one file only',
    ]);
    expect(problemsOf({ file: 'bad.yaml', text: 'limits: [\n  - id: x' })[0]).toMatch(/^bad\.yaml:\d+:\d+: /);
  });
});
