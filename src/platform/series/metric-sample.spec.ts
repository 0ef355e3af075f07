import { describe, expect, it } from 'vitest';
import { samplesOf } from './metric-sample.js';

describe('samplesOf', () => {
  it('reads a single-sample record as itself', () => {
    const one = { entity: 'h', metric: 'cpu', timestamp: 1, value: 2 };
    expect(samplesOf(one)).toEqual([one]);
  });

  it("reads a batch as its samples, each with the batch's entity and tenant", () => {
    const batch = { id: 'b', tenant: 't', entity: 'h', samples: [{ metric: 'cpu', timestamp: 1, value: 2 }, { metric: 'mem', labels: { a: 'b' }, timestamp: 1, value: 3, kind: 'counter' as const }] };
    expect(samplesOf(batch)).toEqual([
      { tenant: 't', entity: 'h', metric: 'cpu', timestamp: 1, value: 2 },
      { tenant: 't', entity: 'h', metric: 'mem', labels: { a: 'b' }, timestamp: 1, value: 3, kind: 'counter' },
    ]);
    expect(samplesOf({ entity: 'h', samples: [{ metric: 'cpu', timestamp: 1, value: 2 }] })).toEqual([{ entity: 'h', metric: 'cpu', timestamp: 1, value: 2 }]);
  });
});
