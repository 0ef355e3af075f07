import { describe, expect, it } from 'vitest';
import { CounterRates } from './counter-rates.js';

describe('CounterRates', () => {
  it('turns a cumulative counter into per-second rates, handles resets, refuses the first and out-of-order samples', () => {
    const c = new CounterRates();
    expect(c.rate('h', 'req', 0, 100)).toEqual({ ok: false, reason: 'counter_start' });
    expect(c.rate('h', 'req', 10_000, 150)).toEqual({ ok: true, rate: 5, reset: false });
    expect(c.rate('h', 'req', 5_000, 120)).toEqual({ ok: false, reason: 'counter_out_of_order' });
    expect(c.rate('h', 'req', 20_000, 30)).toEqual({ ok: true, rate: 3, reset: true }); // restarted from 0
    expect(c.rate('h', 'err', 20_000, 1)).toEqual({ ok: false, reason: 'counter_start' }); // per metric
    expect(c.rate('other', 'req', 20_000, 1)).toEqual({ ok: false, reason: 'counter_start' }); // per entity
    c.forget('h');
    expect(c.rate('h', 'req', 30_000, 40)).toEqual({ ok: false, reason: 'counter_start' });
  });
});
