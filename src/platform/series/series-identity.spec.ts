import { describe, expect, it } from 'vitest';
import { isSeriesKey, parseSeriesKey, seriesKey, seriesName, seriesNameOfKey } from './series-identity.js';

describe('series identity', () => {
  it('one key per tenant + entity + metric + labels, whatever order the labels come in', () => {
    const a = seriesKey({ entity: 'n1', metric: 'node_cpu_seconds_total', labels: { mode: 'idle', cpu: '0' } });
    expect(a).toBe(seriesKey({ entity: 'n1', metric: 'node_cpu_seconds_total', labels: { cpu: '0', mode: 'idle' } }));
    const others = [
      seriesKey({ entity: 'n1', metric: 'node_cpu_seconds_total', labels: { cpu: '1', mode: 'idle' } }),
      seriesKey({ entity: 'n1', metric: 'node_cpu_seconds_total', labels: { cpu: '0' } }),
      seriesKey({ entity: 'n2', metric: 'node_cpu_seconds_total', labels: { cpu: '0', mode: 'idle' } }),
      seriesKey({ tenant: 't', entity: 'n1', metric: 'node_cpu_seconds_total', labels: { cpu: '0', mode: 'idle' } }),
      seriesKey({ entity: 'n1', metric: 'node_cpu_seconds_total' }),
    ];
    expect(new Set([a, ...others]).size).toBe(6);
    // No separator can be forged by a value: JSON quotes it.
    expect(seriesKey({ entity: 'a","b', metric: 'm' })).not.toBe(seriesKey({ entity: 'a', metric: 'b","m' }));
    expect(seriesKey({ entity: 'h', metric: 'm', labels: {} })).toBe(seriesKey({ entity: 'h', metric: 'm' }));
  });

  it('a key decodes back to its identity; bare metric names are not keys', () => {
    const key = seriesKey({ tenant: 'team-a', entity: 'n1', metric: 'x', labels: { b: '2', a: 'say "hi"\n' } });
    expect(parseSeriesKey(key)).toEqual({ tenant: 'team-a', entity: 'n1', metric: 'x', labels: { a: 'say "hi"\n', b: '2' } });
    expect(isSeriesKey(key)).toBe(true);
    expect(isSeriesKey('cpu_utilization')).toBe(false);
    expect(() => parseSeriesKey('cpu_utilization')).toThrow('not a series key: cpu_utilization');
    expect(() => parseSeriesKey('["t","e","m","dangling"]')).toThrow('not a series key');
  });

  it('reads as Prometheus writes a series: sorted labels, escaped values, the bare name without labels', () => {
    expect(seriesName('node_cpu_seconds_total', { mode: 'idle', cpu: '0' })).toBe('node_cpu_seconds_total{cpu="0",mode="idle"}');
    expect(seriesName('up')).toBe('up');
    expect(seriesName('m', { path: 'C:\\x "y"\nz' })).toBe('m{path="C:\\\\x \\"y\\"\\nz"}');
    expect(seriesNameOfKey(seriesKey({ entity: 'n1', metric: 'node_load1' }))).toBe('node_load1');
    const long = seriesName('m', { a: 'x'.repeat(300) }, 256);
    expect(long).toHaveLength(256);
    expect(long.endsWith('…')).toBe(true);
  });
});
