import { describe, expect, it } from 'vitest';
import { parseInteractions } from './read-interactions.js';

describe('parseInteractions', () => {
  it('reads MovieLens tab-separated rows, ignoring the rating', () => {
    expect(parseInteractions('196\t242\t3\t881250949\n186\t302\t1\t891717742\n')).toEqual([
      { user: '196', item: '242', timestamp: 881250949 },
      { user: '186', item: '302', timestamp: 891717742 },
    ]);
  });

  it('skips a CSV header and blank lines; rows without a timestamp keep file order', () => {
    expect(parseInteractions('user,item,rating,ts\nu1,i1,5,10\n\nu2,i2,4,20')).toHaveLength(2);
    expect(parseInteractions('u1 i1\nu1 i2').map((e) => e.timestamp)).toEqual([0, 1]);
  });

  it('rejects a non-numeric timestamp after the first line', () => {
    expect(() => parseInteractions('u1,i1,5,10\nu2,i2,4,soon')).toThrow(/line 2/);
  });
});
