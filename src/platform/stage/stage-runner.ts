import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  trace,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_KAFKA_MESSAGE_KEY,
  ATTR_MESSAGING_KAFKA_OFFSET,
  ATTR_MESSAGING_MESSAGE_ID,
} from '@opentelemetry/semantic-conventions/incubating';
import { headerOf } from '../bus/header-of.js';
import type { BatchControl, Bus, BusBatch, BusRecord, OutRecord, Subscription } from '../bus/types.js';
import { groupByTopic } from '../bus/group-by-topic.js';
import { platformMetrics as m } from '../metrics/registry.js';
import type { Catalogue } from '../streams/catalogue.js';
import type { SchemaRegistry } from '../streams/validator.js';
import { extractContext, injectContext, looksSampled } from '../tracing/propagator.js';
import { endWith, sendSpan } from '../tracing/send-span.js';
import { messagingAttributes } from '../tracing/semconv.js';
import { tracer, tracingExports } from '../tracing/tracing.js';
import { deadLetter } from './dead-letter.js';
import { decodeRecord } from './decode.js';
import { StageMetrics } from './stage-metrics.js';
import { StageRecord } from './stage-record.js';
import { DEAD_LETTER_REASONS, type Emit, type HandlerContext, type InRecord, type StageOptions } from './types.js';

/**
 * Asked for every second; kafkajs sends one only once its heartbeat interval (3 s) has passed
 * since the last answer. Asked every 3 s, the ask that comes just short of that is skipped and
 * the gap grows to 6 s plus a round trip: the broker's minimum session timeout.
 */
const HEARTBEAT_EVERY_MS = 1000;
/** Records the handler is given at once: a fetched batch of more is handed over in slices. */
const HANDLER_SLICE = 512;
/** Span links per batch span: enough to find the producers, bounded for huge batches. */
const MAX_LINKS = 128;

interface Pending {
  record: InRecord<unknown>;
  index: number;
}

/** A fetched batch's decoding, carried from one slice to the next. */
interface Decoding {
  records: readonly BusRecord[];
  topic: string;
  dlq: string;
  who: { service: string; group: string };
  /** The batch's trace contexts in record order (see traceInputs), and the next one to come up. */
  inputs: TracedInput[] | undefined;
  nextTraced: number;
  batchContext: Context;
  recordSpans: Span[];
  /** The slice's decoded records, for the handler. */
  valid: Pending[];
  /** The batch's dead letters so far. */
  deadLetters: OutRecord[];
}

/**
 * Runs one service's stage: reads whole batches from the bus, decodes and validates them,
 * hands the valid records to the service, appends its outputs and the dead letters, waits for
 * the broker's acknowledgement, and only then commits. A crash anywhere before the commit means
 * the batch is read again (at-least-once); outputs carry deterministic ids.
 */
export class StageRunner<T> {
  private subscription: Subscription | undefined;
  /** Set while the consumer is stopped on an error, until it runs again: the service reports not ready. */
  crashed: Error | undefined;
  private inFlight = 0;
  private paused = false;
  private readonly group: string;
  private readonly metrics: StageMetrics;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxInFlight: number;
  private readonly maxBytes: number;
  /** Topics whose unreadable records another service dead-letters (deadLetteredBy): this one counts them as skipped. */
  private readonly leavesUnreadable = new Set<string>();

  constructor(
    private readonly bus: Bus,
    private readonly catalogue: Catalogue,
    private readonly schemas: SchemaRegistry,
    private readonly options: StageOptions<T>,
  ) {
    this.group = options.groupId ?? `vigil-${options.service}`;
    this.metrics = new StageMetrics(options.service, this.group);
    this.maxAttempts = options.maxAttempts ?? 3;
    this.backoffMs = options.retryBackoffMs ?? 100;
    this.maxInFlight = options.maxInFlight ?? 20_000;
    this.maxBytes = options.maxRecordBytes ?? 1024 * 1024;
    for (const topic of options.topics) {
      const entry = catalogue.get(topic);
      if (!entry.dlq) throw new Error(`${options.service} consumes ${topic}, which has no dead-letter twin in streams/topics.yaml`);
      if (entry.deadLetteredBy !== undefined && entry.deadLetteredBy !== options.service) this.leavesUnreadable.add(topic);
    }
  }


  async start(): Promise<void> {
    m.up.labels(this.options.service, this.bus.kind).set(1);
    m.paused.labels(this.options.service).set(0);
    this.initCounters();
    this.subscription = await this.bus.subscribe(
      {
        groupId: this.group,
        topics: this.options.topics,
        fromBeginning: this.options.fromBeginning ?? true,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 4,
        ...(this.options.commitIntervalMs ? { commitIntervalMs: this.options.commitIntervalMs } : {}),
        ...(this.options.deleteGroupOnStop ? { deleteGroupOnStop: true } : {}),
        onAssignment: this.options.onAssignment,
        onPartitionsAssigned: this.options.onPartitionsAssigned,
        onPartitionsRevoked: this.options.onPartitionsRevoked,
        onCrash: (error) => {
          this.crashed = error;
          console.error(`${this.options.service}: consumer stopped: ${error.message}`);
          m.consumerRestarts.labels(this.options.service).inc();
        },
        onRestarted: () => {
          this.crashed = undefined;
          console.error(`${this.options.service}: consumer running again`);
        },
      },
      (batch, control) => this.onBatch(batch, control),
    );
    // A first batch may have passed the bound before the subscription was handed back.
    if (this.paused) this.subscription.pause();
  }

  /**
   * The counters of every topic this stage reads start at 0, so their series exist from the
   * first scrape: a rate over them is 0 (not absent) until something happens, and the first
   * dead letter, retry or consumer restart counts as an increase.
   */
  private initCounters(): void {
    const service = this.options.service;
    m.consumerRestarts.labels(service).inc(0);
    for (const topic of this.options.topics) {
      for (const c of [m.consumed, m.processed, m.handlerRetries]) c.labels(service, topic).inc(0);
      for (const reason of DEAD_LETTER_REASONS) m.deadLettered.labels(service, topic, reason).inc(0);
      if (this.leavesUnreadable.has(topic)) for (const reason of ['invalid_json', 'schema', 'oversize']) m.skipped.labels(service, topic, reason).inc(0);
    }
  }

  /** Stop fetching, finish and commit the batch in hand, leave the group. */
  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
    m.up.labels(this.options.service, this.bus.kind).set(0);
  }

  private async onBatch(batch: BusBatch, control: BatchControl): Promise<void> {
    const { topic, partition, records } = batch;
    const last = records.at(-1);
    if (!last) return;
    const service = this.options.service;
    const metrics = this.metrics.topic(topic);
    const started = process.hrtime.bigint();
    this.track(records.length);
    const heartbeat = setInterval(() => void control.heartbeat().catch(() => {}), HEARTBEAT_EVERY_MS);
    // Span work only when spans go somewhere or a producer sampled its trace (see traceInputs).
    const inputs = traceInputs(records);
    const span = inputs ? this.batchSpan(batch, inputs) : undefined;
    const batchContext = span ? trace.setSpan(ROOT_CONTEXT, span) : ROOT_CONTEXT;
    const recordSpans: Span[] = [];
    const valid: Pending[] = [];
    try {
      const dlq = this.catalogue.get(topic).dlq!;
      const who = { service, group: this.group };
      const out: OutRecord[] = [];
      const rejected = new Map<string, string>();
      const ctx: HandlerContext = {
        heartbeat: () => control.heartbeat(),
        isRunning: () => control.isRunning(),
        reject: (record, error) => void rejected.set(record.offset, error),
        endOfBatch: false,
      };
      const outputs: OutRecord[] = [];
      let handed = 0;
      let failedCount = 0;
      // Made once per fetched batch, like ctx and rejected: the slices share it.
      const decoding: Decoding = { records, topic, dlq, who, inputs, nextTraced: 0, batchContext, recordSpans, valid, deadLetters: out };
      // The handler gets the batch a slice at a time, so a slice's decoded records can go
      // before the next is decoded: held for a whole fetch (thousands of records), they outlive
      // young-generation collections and are copied and promoted (GC was the consumer's extra CPU).
      for (let from = 0; from < records.length; from += HANDLER_SLICE) {
        const to = Math.min(records.length, from + HANDLER_SLICE);
        ctx.endOfBatch = to === records.length;
        this.decodeSlice(decoding, from, to);
        const run = () => this.handleIsolating(valid, ctx);
        const slice = span ? await context.with(batchContext, run) : await run();
        const failedOffsets = new Set(slice.failed.map((f) => f.pending.record.offset));
        for (const p of valid) {
          const error = rejected.get(p.record.offset);
          if (error === undefined || failedOffsets.has(p.record.offset)) continue;
          out.push(deadLetter(records[p.index]!, dlq, 'rejected', error, who));
          this.metrics.deadLettered(topic, 'rejected');
        }
        for (const f of slice.failed) {
          out.push(deadLetter(records[f.pending.index]!, dlq, 'handler_error', f.error, who));
          this.metrics.deadLettered(topic, 'handler_error');
        }
        for (const o of slice.outputs) outputs.push(o);
        handed += valid.length;
        failedCount += slice.failed.length;
        // The decoded values need not outlive the handler: held over the append and the commit,
        // while other partitions' batches are decoded, they would be copied and promoted too.
        release(valid);
      }
      const processed = handed - failedCount - rejected.size;
      for (const o of outputs) out.push(o);
      if (out.length > 0) {
        // Shared: the outputs of partitions handled side by side go in one request per topic.
        const byTopic = groupByTopic(out);
        const sending = this.bus.send(out, { shared: true });
        await (span ? endAll(sendSpans(byTopic, batchContext), sending) : sending);
        for (const [topic, records] of byTopic) m.produced.labels(service, topic).inc(records.length);
      }
      await control.commit(String(BigInt(last.offset) + 1n));
      metrics.consumed.inc(records.length);
      metrics.processed.inc(processed);
      this.metrics.lag(topic, partition).set(Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n));
      span?.setStatus({ code: SpanStatusCode.OK });
    } catch (err) {
      for (const s of span ? [span, ...recordSpans] : recordSpans) {
        s.recordException(err as Error);
        s.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      }
      throw err;
    } finally {
      span?.end();
      for (const s of recordSpans) s.end();
      release(valid);
      clearInterval(heartbeat);
      this.track(-records.length);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.batchDuration.observe(seconds);
      metrics.batchSize.observe(records.length);
    }
  }

  /**
   * Decodes records[from, to) into `d.valid` (each with its trace context, and a record span for
   * a sampled producer); an unreadable record is dead-lettered into `d.deadLetters`, or only
   * counted as skipped when another service owns the topic's dead letters.
   */
  private decodeSlice(d: Decoding, from: number, to: number): void {
    const { records, topic, inputs, batchContext } = d;
    for (let index = from; index < to; index++) {
      const r = records[index]!;
      let traceContext = batchContext;
      const input = inputs?.[d.nextTraced];
      if (input?.index === index) {
        d.nextTraced++;
        if (input.sampled) {
          // A sampled producer gets a process span of its own, so its trace runs through here.
          const child = this.recordSpan(r, input.parent);
          d.recordSpans.push(child);
          traceContext = trace.setSpan(input.parent, child);
        }
      }
      const decoded = decodeRecord<unknown>(r, this.schemas, this.maxBytes);
      if (!decoded.ok) {
        // One bad record, one dead letter: every consumer of the topic finds it unreadable, only its owner writes it.
        if (this.leavesUnreadable.has(topic)) {
          m.skipped.labels(this.options.service, topic, decoded.reason).inc();
          continue;
        }
        d.deadLetters.push(deadLetter(r, d.dlq, decoded.reason, decoded.error, d.who));
        this.metrics.deadLettered(topic, decoded.reason);
        continue;
      }
      d.valid.push({ record: new StageRecord<unknown>(r, decoded.value, traceContext, traceContext !== batchContext), index });
    }
  }

  /**
   * Runs the handler with bounded retries; when a group of records keeps failing, splits it in
   * halves and retries each, down to single records, which are then dead-lettered with the
   * error. The records that succeed keep their outputs; the partition moves on either way.
   */
  private async handleIsolating(
    pending: Pending[],
    ctx: HandlerContext,
  ): Promise<{ outputs: OutRecord[]; failed: Array<{ pending: Pending; error: string }> }> {
    if (pending.length === 0) return { outputs: [], failed: [] };
    let lastError = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        const emits = await this.options.handle(
          pending.map((p) => p.record as InRecord<T>),
          ctx,
        );
        return { outputs: emits.map((e) => this.toOutRecord(e)), failed: [] };
      } catch (err) {
        lastError = (err as Error).message || String(err);
        m.handlerRetries.labels(this.options.service, pending[0]!.record.topic).inc();
        if (attempt < this.maxAttempts) await sleep(this.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
    }
    if (pending.length === 1) return { outputs: [], failed: [{ pending: pending[0]!, error: lastError }] };
    const mid = Math.ceil(pending.length / 2);
    const left = await this.handleIsolating(pending.slice(0, mid), ctx);
    const right = await this.handleIsolating(pending.slice(mid), ctx);
    return { outputs: [...left.outputs, ...right.outputs], failed: [...left.failed, ...right.failed] };
  }

  /**
   * Outputs are checked like inputs — schema and size — so a bad output is the handler's
   * error (retried, then isolated) and never an append the broker refuses forever. An output
   * carries a trace context only when the input it came from carried a sampled one: untraced
   * inputs make untraced outputs, so the next stage does no span work for them either.
   */
  private toOutRecord(e: Emit): OutRecord {
    const v = this.schemas.validate(e.topic, e.value);
    if (!v.ok) throw new Error(`output to ${e.topic} fails its schema: ${v.error}`);
    const value = JSON.stringify(e.value);
    if (value.length > this.maxBytes) throw new Error(`output to ${e.topic} is ${value.length} bytes, the limit is ${this.maxBytes}`);
    const headers: Record<string, string> = { ...(e.headers ?? {}), 'vigil-id': e.id, 'content-type': 'application/json' };
    if (e.source && isTraced(e.source)) injectContext(e.source.trace, headers);
    return { topic: e.topic, key: e.key, value, headers };
  }

  private batchSpan(batch: BusBatch, inputs: TracedInput[]): Span {
    const links: Link[] = [];
    for (const input of inputs) {
      if (links.length >= MAX_LINKS) break;
      const producer = trace.getSpanContext(input.parent);
      if (producer) links.push({ context: producer });
    }
    return tracer().startSpan(
      `process ${batch.topic}`,
      {
        kind: SpanKind.CONSUMER,
        links,
        attributes: {
          ...messagingAttributes('process', batch.topic),
          [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(batch.partition),
          [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: this.group,
          [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: batch.records.length,
        },
      },
      ROOT_CONTEXT,
    );
  }

  private recordSpan(r: BusRecord, parent: Context): Span {
    return tracer().startSpan(
      `process ${r.topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          ...messagingAttributes('process', r.topic),
          [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(r.partition),
          [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: this.group,
          [ATTR_MESSAGING_KAFKA_OFFSET]: Number(r.offset),
          ...(r.key !== null && { [ATTR_MESSAGING_KAFKA_MESSAGE_KEY]: r.key.toString('utf8') }),
          ...(r.headers['vigil-id'] ? { [ATTR_MESSAGING_MESSAGE_ID]: r.headers['vigil-id'] } : {}),
        },
      },
      parent,
    );
  }

  /** In-flight accounting and back-pressure: pause fetching above the bound, resume below half. */
  private track(delta: number): void {
    this.inFlight += delta;
    this.metrics.inFlight.set(this.inFlight);
    if (!this.paused && this.inFlight > this.maxInFlight) {
      this.paused = true;
      this.subscription?.pause();
      this.metrics.paused.set(1);
    } else if (this.paused && this.inFlight <= this.maxInFlight / 2) {
      this.paused = false;
      this.subscription?.resume();
      this.metrics.paused.set(0);
    }
  }
}

/** One `send <topic>` span per output topic, children of the batch's process span. */
function sendSpans(byTopic: Map<string, OutRecord[]>, parent: Context): Span[] {
  return [...byTopic].map(([topic, records]) => sendSpan(topic, records.length, parent, records.map((r) => r.headers ?? {})));
}

async function endAll(spans: Span[], sending: Promise<void>): Promise<void> {
  await Promise.all(spans.map((s) => endWith(s, sending)));
}

/**
 * The batch is done with its decoded records: they let go of the fetched messages (records a
 * service keeps must not keep fetch buffers alive) and the batch lets go of them.
 */
function release(valid: Pending[]): void {
  for (const p of valid) (p.record as StageRecord<unknown>).detach();
  valid.length = 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A record that carries a trace context, where it sits in its batch, and whether it was sampled. */
interface TracedInput {
  index: number;
  parent: Context;
  sampled: boolean;
}

/**
 * The batch's trace contexts, each extracted once, in record order — or undefined when the batch
 * needs no span at all: no exporter is configured and no record carries a sampled context (the
 * common case), so no batch span, record span, send span or context is made for it. With an
 * exporter every context counts (the batch span links to them); without, only sampled ones.
 */
function traceInputs(records: readonly BusRecord[]): TracedInput[] | undefined {
  const exporting = tracingExports();
  let inputs: TracedInput[] | undefined;
  let sampled = false;
  for (let index = 0; index < records.length; index++) {
    const r = records[index]!;
    const traceparent = headerOf(r, 'traceparent');
    if (traceparent === undefined || (!exporting && !looksSampled(traceparent))) continue;
    const parent = extractContext(r.headers);
    const producer = trace.getSpanContext(parent);
    if (!producer) continue;
    const isSampledInput = (producer.traceFlags & TraceFlags.SAMPLED) !== 0;
    sampled ||= isSampledInput;
    (inputs ??= []).push({ index, parent, sampled: isSampledInput });
  }
  return exporting || sampled ? (inputs ?? []) : undefined;
}

/**
 * Whether a record came with a sampled trace context. A stage's records know; one a service made
 * itself (a test's, a replay's) is judged by the context it holds.
 */
function isTraced(record: InRecord<unknown>): boolean {
  if (record instanceof StageRecord) return record.traced;
  return ((trace.getSpanContext(record.trace)?.traceFlags ?? 0) & TraceFlags.SAMPLED) !== 0;
}
