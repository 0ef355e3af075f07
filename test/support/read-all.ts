import type { BusRecord } from '../../src/platform/bus/types.js';
import type { Bus } from '../../src/platform/bus/types.js';
import { until } from './until.js';

/**
 * Reads a topic from the start with a throwaway group: everything appended before the call (up
 * to each partition's end offset then), and more until `enough` holds of what was read: at least
 * that many records, or a condition (say, so many distinct ids, when repeats may come). Fails,
 * saying how far it got, when that takes longer than `timeoutMs` — never returns a partial read.
 */
export async function readAll(bus: Bus, topic: string, enough: number | ((got: BusRecord[]) => boolean), timeoutMs: number): Promise<BusRecord[]> {
  const ends = await bus.endOffsets(topic);
  const got: BusRecord[] = [];
  const next = new Map<number, bigint>();
  const sub = await bus.subscribe({ groupId: `reader-${topic}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}`, topics: [topic], fromBeginning: true }, async (batch, control) => {
    got.push(...batch.records);
    const after = BigInt(batch.records.at(-1)!.offset) + 1n;
    next.set(batch.partition, after);
    await control.commit(String(after));
  });
  const behind = () => ends.filter((e) => (next.get(e.partition) ?? 0n) < BigInt(e.offset));
  const satisfied = () => (typeof enough === 'number' ? got.length >= enough : enough(got));
  const wanted = typeof enough === 'number' ? `${enough} record(s)` : 'the records wanted';
  try {
    await until(() => satisfied() && behind().length === 0, timeoutMs, () => `${topic}: ${wanted} and every partition read to its end at the call (have ${got.length}; behind on ${behind().length} partition(s))`);
  } finally {
    await sub.stop();
  }
  return got;
}
