import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { StageOptions } from '../platform/stage/types.js';
import type { RiskServiceOptions } from './risk.options.js';
import type { LabelMessage, RiskService, TransactionMessage } from './risk.service.js';

type Message = TransactionMessage | LabelMessage;

export interface RiskStageDeps {
  /** Builds and starts a stage (StagesService.start, or a StageRunner in tests). */
  start(options: StageOptions<Message>): Promise<{ stop(): Promise<void> }>;
  /** Per partition: the offset the next appended record will get (Bus.endOffsets). */
  endOffsets(topic: string): Promise<Array<{ partition: number; offset: string }>>;
  /** `<VIGIL_GROUP_PREFIX>`: the transactions group is `<prefix>-risk`, the labels groups `<prefix>-risk-labels-<instance>`. */
  groupPrefix: string;
  log(msg: string): void;
  /** This process's name in its labels group; default `<hostname>-<pid>-<random>`. */
  instance?: string;
  /** Longest wait for the labels consumer to catch up before transactions are scored anyway (default 120 s). */
  catchUpMs?: number;
  onAssignment?: (assigned: Array<{ topic: string; partition: number }>) => void;
}

/**
 * The risk service's two consumers.
 *
 * - **Labels**: every partition of `risk.labels`, in a consumer group of this process's own, read
 *   from the start of the topic's retention. Every risk process therefore holds every label, and
 *   the label features of a terminal (`term_labelled_count_*`, `term_fraud_rate_*`) and of the
 *   amount bands are the same whichever process scores a transaction, although a terminal's
 *   transactions (keyed by card) are spread over every partition. Labels are small (one per
 *   labelled transaction, no scoring). Labels the starting feature state already counted are
 *   skipped (`RiskService`), so a restart rebuilds the label features without counting twice.
 * - **Transactions**: the service's group `<prefix>-risk`, partitions shared between processes;
 *   started once the labels consumer has reached the end offsets `risk.labels` had at start
 *   (at most `catchUpMs`), so a new process does not score with a half-read label history.
 */
export async function startRiskStages(deps: RiskStageDeps, service: RiskService, options: RiskServiceOptions): Promise<Array<{ stop(): Promise<void> }>> {
  const instance = deps.instance ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const labelsTopic = options.topics.labels;
  const ends = new Map((await endOffsets(deps, labelsTopic)).map((e) => [e.partition, BigInt(e.offset)]));
  const behind = new Set([...ends].filter(([, end]) => end > 0n).map(([p]) => p));
  let caughtUp!: () => void;
  const done = new Promise<void>((r) => (caughtUp = r));
  if (behind.size === 0) caughtUp();
  const labels = await deps.start({
    service: 'risk-labels',
    groupId: `${deps.groupPrefix}-risk-labels-${instance}`,
    topics: [labelsTopic],
    fromBeginning: true,
    deleteGroupOnStop: true,
    handle: async (records, ctx) => {
      const out = await service.handle(records, ctx);
      const last = records.at(-1);
      if (last && behind.size > 0 && BigInt(last.offset) + 1n >= (ends.get(last.partition) ?? 0n) && behind.delete(last.partition) && behind.size === 0) caughtUp();
      return out;
    },
  });
  const total = [...ends.values()].reduce((a, b) => a + b, 0n);
  const started = Date.now();
  const limit = deps.catchUpMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([done.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), limit)))]);
  clearTimeout(timer);
  deps.log(
    timedOut
      ? `labels: ${behind.size} partition(s) of ${labelsTopic} not read to their end after ${limit / 1000} s; scoring starts anyway, the label features fill in as they are read`
      : `labels: read ${labelsTopic} to the end offsets it had at start (${total} records over ${ends.size} partitions) in ${((Date.now() - started) / 1000).toFixed(1)} s; every partition, consumer group ${deps.groupPrefix}-risk-labels-${instance}`,
  );
  const transactions = await deps.start({
    service: 'risk',
    groupId: `${deps.groupPrefix}-risk`,
    topics: [options.topics.transactions],
    handle: service.handle,
    partitionsConsumedConcurrently: options.concurrency,
    commitIntervalMs: options.commitIntervalMs,
    ...(deps.onAssignment && { onAssignment: deps.onAssignment }),
  });
  return [transactions, labels];
}

/** The topic's end offsets, retried for a while (a topic just created may not have its leaders yet); none if they never come. */
async function endOffsets(deps: RiskStageDeps, topic: string): Promise<Array<{ partition: number; offset: string }>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.endOffsets(topic);
    } catch (err) {
      if (attempt >= 40) {
        deps.log(`labels: end offsets of ${topic} unknown (${(err as Error).message}); scoring starts without waiting for the label history`);
        return [];
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
