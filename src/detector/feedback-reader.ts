import type { Bus, Subscription } from '../platform/bus/types.js';
import { decodeRecord } from '../platform/stage/decode.js';
import type { SchemaRegistry } from '../platform/streams/validator.js';
import type { DetectorService } from './detector.service.js';
import type { FeedbackValue } from './types.js';

/**
 * Every detector process reads all of aiops.feedback, under a consumer group of its own
 * (`DetectorServiceOptions.feedbackGroup`, new at every start) from the beginning of the topic:
 * feedback lands on whichever partition its entity's key picks, and the process scoring that
 * entity (its telemetry.metrics partition) is usually another one. A restart re-reads the
 * retained feedback (90 days) and so rebuilds every entity's adjustment.
 *
 * A plain subscription, not a stage: invalid records are skipped here (the shared group's
 * stage dead-letters them once; a reader per process would dead-letter them once per process
 * and again at every restart), and nothing is appended.
 */
export function startFeedbackReader(bus: Bus, schemas: SchemaRegistry, service: DetectorService, maxRecordBytes: number): Promise<Subscription> {
  const topic = service.options.topics.feedback;
  return bus.subscribe({ groupId: service.options.feedbackGroup, topics: [topic], fromBeginning: true, deleteGroupOnStop: true }, async (batch, control) => {
    const last = batch.records.at(-1);
    if (!last) return;
    const values: FeedbackValue[] = [];
    for (const r of batch.records) {
      const decoded = decodeRecord<FeedbackValue>(r, schemas, maxRecordBytes);
      if (decoded.ok) values.push(decoded.value);
    }
    const next = BigInt(last.offset) + 1n;
    await service.readFeedback(values, batch.partition, next);
    await control.commit(String(next));
  });
}

/**
 * Waits (at most `timeoutMs`) until the reader has read the feedback that was on the topic when
 * this was called, so a restarted process scores with its entities' adjustments from the first
 * step. Returns false on timeout (feedback still applies when it arrives).
 */
export async function awaitFeedback(bus: Bus, service: DetectorService, timeoutMs: number): Promise<boolean> {
  const ends = await bus.endOffsets(service.options.topics.feedback);
  const deadline = Date.now() + timeoutMs;
  while (!service.feedbackCaughtUp(ends)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}
