import { describe, expect, it } from 'vitest';
import { KeyPairs } from './key-pairs.js';

// Two normal workflows that never mix: a block written then deleted, or written then re-replicated.
const training = [
  ['22', '5', '11', '9', '26', '23', '21'],
  ['22', '5', '11', '9', '26'],
  ['22', '5', '11', '9', '26', '25', '18', '16', '26'],
];

describe('KeyPairs', () => {
  const pairs = new KeyPairs(training);

  it('accepts any order and any repetition of keys seen together', () => {
    for (const s of training) expect(pairs.isAnomalous(s)).toBe(false);
    expect(pairs.isAnomalous(['26', '26', '9', '22', '21', '23', '5'])).toBe(false);
  });

  it('flags two keys no training session held together, naming the earlier one first', () => {
    expect(pairs.violation(['22', '5', '26', '25', '18', '23'])).toEqual(['25', '23']);
    expect(pairs.violation(['23', '22', '25'])).toEqual(['23', '25']);
  });

  it('flags a key never seen in training on its own', () => {
    expect(pairs.violation(['22', '5', '20'])).toEqual(['20']);
    expect(pairs.conflict(new Set(), '20')).toEqual(['20']);
    expect(pairs.conflict(new Set(['22']), '22')).toBeUndefined();
  });

  it('round-trips through JSON with the same verdicts', () => {
    const restored = KeyPairs.fromJSON(JSON.parse(JSON.stringify(pairs.toJSON())) as ReturnType<KeyPairs['toJSON']>);
    expect(restored.size).toBe(pairs.size);
    for (const s of [...training, ['22', '25', '23'], ['5', '20'], ['21', '9']]) expect(restored.violation(s)).toEqual(pairs.violation(s));
    expect(() => KeyPairs.fromJSON({ keys: ['1'], pairs: [['1']] })).toThrow(/1 keys/);
  });
});
