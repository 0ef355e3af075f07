import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RiskFeatureState } from '../features/feature-state.js';
import { DAY_MS } from '../options.js';
import { writeStateJson } from './write-state.js';

describe('writeStateJson', () => {
  it('writes exactly what JSON.stringify writes, pausing between chunks', async () => {
    const state = new RiskFeatureState();
    const t0 = Date.parse('2024-01-01T00:00:00Z');
    for (let i = 0; i < 5000; i++) {
      state.observe({ id: `t${i}`, time: t0 + i * 60_000, customerId: `c${i % 2500}`, terminalId: `m${i % 3000}`, amount: 10 + (i % 97) });
      if (i % 7 === 0) state.addLabel({ transactionId: `t${i}`, customerId: `c${i % 2500}`, terminalId: `m${i % 3000}`, fraud: i % 2 === 0, amount: 10, availableAt: t0 + i * 60_000 + DAY_MS });
    }
    const dir = await mkdtemp(join(tmpdir(), 'risk-state-'));
    let pauses = 0;
    await writeStateJson(join(dir, 's.json'), state.toJSON(), async () => void pauses++);
    expect(await readFile(join(dir, 's.json'), 'utf8')).toBe(JSON.stringify(state.toJSON()));
    expect(pauses).toBeGreaterThanOrEqual(22); // 2,500 customers and 3,000 terminals, 250 a chunk
    await rm(dir, { recursive: true, force: true });
  });
});
