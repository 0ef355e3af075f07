import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../platform/random.js';
import { PendingLabels } from './pending-labels.js';

const label = (availableAt: number) => ({ transactionId: String(availableAt), customerId: 'c', terminalId: 't', fraud: false, availableAt });

describe('PendingLabels', () => {
  it('releases labels in arrival order, only up to the given time', () => {
    const random = seededRandom(2);
    const pending = new PendingLabels();
    const times = Array.from({ length: 500 }, () => Math.floor(random() * 1000));
    times.forEach((t) => pending.push(label(t)));
    const first = [...pending.releaseUntil(499)].map((l) => l.availableAt);
    expect(first).toEqual(times.filter((t) => t <= 499).sort((a, b) => a - b));
    expect(pending.size).toBe(times.filter((t) => t > 499).length);
    expect(pending.toArray().every((l) => l.availableAt > 499)).toBe(true);
    const rest = [...pending.releaseUntil(1000)].map((l) => l.availableAt);
    expect(rest).toEqual(times.filter((t) => t > 499).sort((a, b) => a - b));
  });
});
