import { describe, expect, it } from 'vitest';
import { durationMs, parseDuration } from './duration.js';

describe('durations', () => {
  it('parseDuration takes a whole amount and a unit, and throws naming where', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration(' 7d ')).toBe(7 * 86_400_000);
    expect(() => parseDuration('1.5h', 'RISK_RETRAIN_INTERVAL')).toThrow('RISK_RETRAIN_INTERVAL: "1.5h" is not a duration');
    expect(() => parseDuration('6')).toThrow(/not a duration/);
  });

  it('durationMs also takes decimals and plain milliseconds, and says undefined to anything else', () => {
    expect(durationMs('1.5m')).toBe(90_000);
    expect(durationMs(250)).toBe(250);
    expect(durationMs(-1)).toBeUndefined();
    expect(durationMs('5 minutes')).toBeUndefined();
    expect(durationMs(null)).toBeUndefined();
  });
});
