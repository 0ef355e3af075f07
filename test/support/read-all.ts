import type { BusRecord } from '../../src/platform/bus/types.js';
import type { KafkaBus } from '../../src/platform/kafka/kafka-bus.js';

/** Reads a topic from the start with a throwaway group until `atLeast` records arrived and the stream is quiet. */
export async function readAll(bus: KafkaBus, topic: string, atLeast: number, timeoutMs: number): Promise<BusRecord[]> {
  const got: BusRecord[] = [];
  let lastAt = Date.now();
  const sub = await bus.subscribe({ groupId: `reader-${topic}-${Date.now()}`, topics: [topic], fromBeginning: true }, async (batch, control) => {
    got.push(...batch.records);
    lastAt = Date.now();
    await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && (got.length < atLeast || Date.now() - lastAt < 1500)) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await sub.stop();
  return got;
}
