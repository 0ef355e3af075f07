import { describe, expect, it } from 'vitest';
import { KeyVocabulary, windowsOf } from './key-vocabulary.js';
import { NgramDetector } from './ngram-detector.js';

const normal = [
  ['5', '22', '11', '9', '26', '21'],
  ['5', '22', '11', '9', '26', '21'],
  ['5', '22', '9', '11', '26', '21'],
];

describe('KeyVocabulary', () => {
  it('frames sessions with start markers and an end marker, unknown keys apart', () => {
    const v = new KeyVocabulary(normal);
    const framed = v.frame(['5', '99'], 2);
    expect(framed).toEqual([KeyVocabulary.START, KeyVocabulary.START, v.code('5'), KeyVocabulary.UNKNOWN, KeyVocabulary.END]);
    expect(windowsOf(framed, 2).map((w) => w.next)).toEqual([v.code('5'), KeyVocabulary.UNKNOWN, KeyVocabulary.END]);
    expect(v.size).toBe(3 + 6);
  });
});

describe('NgramDetector', () => {
  const detector = new NgramDetector(normal, { context: 2, topG: 9 });

  it('accepts the paths it was trained on', () => {
    for (const s of normal) expect(detector.isAnomalous(s)).toBe(false);
  });

  it('flags unknown keys, unseen transitions and sessions that stop early', () => {
    expect(detector.isAnomalous(['5', '22', '11', '9', '26', '28', '21'])).toBe(true);
    expect(detector.isAnomalous(['5', '22', '26', '11', '9', '21'])).toBe(true);
    expect(detector.isAnomalous(['5', '22', '11', '9'])).toBe(true);
  });

  it('with g = 1 only the most frequent continuation is normal', () => {
    const strict = new NgramDetector(normal, { context: 2, topG: 1 });
    expect(strict.isAnomalous(normal[0]!)).toBe(false);
    expect(strict.isAnomalous(normal[2]!)).toBe(true);
  });
});
