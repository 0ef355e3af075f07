import { describe, expect, it } from 'vitest';
import { CounterRates } from './counter-rates.js';

describe('CounterRates', () => {
  it('turns a cumulative counter into per-second rates, handles resets, refuses the first and out-of-order samples', () => {
    const c = new CounterRates();
    const req = { entity: 'h', metric: 'req' };
    expect(c.rate(req, 0, 100)).toEqual({ ok: false, reason: 'counter_start' });
    expect(c.rate(req, 10_000, 150)).toEqual({ ok: true, rate: 5, reset: false });
    expect(c.rate(req, 5_000, 120)).toEqual({ ok: false, reason: 'counter_out_of_order' });
    expect(c.rate(req, 20_000, 30)).toEqual({ ok: true, rate: 3, reset: true }); // restarted from 0
    expect(c.rate({ entity: 'h', metric: 'err' }, 20_000, 1)).toEqual({ ok: false, reason: 'counter_start' }); // per metric
    expect(c.rate({ entity: 'other', metric: 'req' }, 20_000, 1)).toEqual({ ok: false, reason: 'counter_start' }); // per entity
    expect(c.rate({ tenant: 't2', entity: 'h', metric: 'req' }, 20_000, 1)).toEqual({ ok: false, reason: 'counter_start' }); // per tenant
    c.forget('h');
    expect(c.rate(req, 30_000, 40)).toEqual({ ok: false, reason: 'counter_start' });
  });

  it('keeps the series of one metric name apart: interleaved CPUs and modes are neither out of order nor resets', () => {
    const c = new CounterRates();
    const cpu = (n: string, mode: string) => ({ entity: 'node-1', metric: 'node_cpu_seconds_total', labels: { mode, cpu: n } });
    const series = [cpu('0', 'idle'), cpu('0', 'user'), cpu('1', 'idle'), cpu('1', 'user')];
    const start = [500, 40, 700, 10];
    // A scrape every 15 s, the series of one scrape share its timestamp (as Prometheus stamps them).
    series.forEach((s, i) => expect(c.rate(s, 0, start[i]!)).toMatchObject({ ok: false, reason: 'counter_start' }));
    series.forEach((s, i) => expect(c.rate(s, 15_000, start[i]! + 15 * (i + 1) * 0.1)).toEqual({ ok: true, rate: expect.closeTo((i + 1) * 0.1, 9), reset: false }));
    // The same labels in another order are the same series.
    expect(c.rate({ entity: 'node-1', metric: 'node_cpu_seconds_total', labels: { cpu: '0', mode: 'idle' } }, 30_000, 503)).toEqual({ ok: true, rate: expect.closeTo(0.1, 9), reset: false });
  });

  it('valueOf: a gauge as it is, a counter as its rate', () => {
    const c = new CounterRates();
    expect(c.valueOf({ entity: 'h', metric: 'cpu', kind: 'gauge', timestamp: 0, value: 0.7 })).toEqual({ ok: true, rate: 0.7, reset: false });
    expect(c.valueOf({ entity: 'h', metric: 'req', kind: 'counter', timestamp: 0, value: 100 })).toEqual({ ok: false, reason: 'counter_start' });
    expect(c.valueOf({ entity: 'h', metric: 'req', kind: 'counter', timestamp: 10_000, value: 150 })).toEqual({ ok: true, rate: 5, reset: false });
  });
});
