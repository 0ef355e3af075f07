import { context, type Context } from '@opentelemetry/api';
import type { Bus } from '../bus/types.js';
import { platformMetrics } from '../metrics/registry.js';
import type { SchemaRegistry } from '../streams/validator.js';
import { injectContext } from '../tracing/propagator.js';

/** A record to append after the transaction that wrote it commits. */
export interface OutboxRecord {
  id: string;
  topic: string;
  key: string;
  value: object;
  headers: Record<string, string>;
}

/** Where the outbox table is read and emptied (a store, or the database itself). */
export interface OutboxTable {
  /** Outbox records not yet appended, oldest first. */
  pendingOutbox(limit: number): Promise<OutboxRecord[]>;
  deleteOutbox(ids: string[]): Promise<void>;
}

/** The flush in progress on each outbox table (a database), shared by the Outboxes on it. */
const runs = new WeakMap<OutboxTable, { flushing: Promise<void> | undefined; again: boolean }>();

/**
 * Transactional outbox for what a service's API and timers write: the record goes
 * into the same transaction as the state change it announces, and is appended to Kafka after
 * (then deleted). A broker that refuses the append loses nothing: the next flush (every sweep
 * tick) sends it. Records keep their ids, so a re-sent one is a repeat consumers drop.
 */
export class Outbox {
  constructor(
    /** The database's outbox table (the database itself, so that every Outbox on it shares its flushes). */
    private readonly store: OutboxTable,
    private readonly bus: Bus,
    private readonly schemas: SchemaRegistry | undefined,
    private readonly warn: (message: string) => void,
    /** The `service` label of `vigil_records_produced_total` for a topic's records. */
    private readonly serviceOf: (topic: string) => string,
  ) {}

  /** A record to commit; checked against its topic's schema now, so a bad one fails the change, not the flush. */
  record(topic: string, key: string, id: string, value: object, trace?: Context): OutboxRecord {
    const v = this.schemas?.validate(topic, value);
    if (v && !v.ok) throw new Error(`refusing to write an invalid ${topic} record: ${v.error}`);
    const headers = injectContext(trace ?? context.active(), { 'vigil-id': id, 'content-type': 'application/json' });
    return { id, topic, key, value, headers };
  }

  /**
   * A dead letter to commit: dead-letter topics have no schema (they hold what could not go
   * through), so nothing is checked; `headers` (the `vigil-dlq-*` ones) join the usual ones.
   */
  deadLetter(topic: string, key: string, id: string, value: object, headers: Record<string, string>, trace?: Context): OutboxRecord {
    return { id, topic, key, value, headers: injectContext(trace ?? context.active(), { 'vigil-id': id, 'content-type': 'application/json', ...headers }) };
  }

  /**
   * Appends what is pending; concurrent calls share one run (and ask for another after it) — those
   * of every Outbox on the same table, so two services of one process on one database do not
   * both send what they both read as pending.
   */
  flush(): Promise<void> {
    let run = runs.get(this.store);
    if (!run) runs.set(this.store, (run = { flushing: undefined, again: false }));
    if (run.flushing) {
      run.again = true;
      return run.flushing;
    }
    const current = run;
    current.flushing = (async () => {
      try {
        do {
          current.again = false;
          await this.flushOnce();
        } while (current.again);
      } catch (e) {
        this.warn(`outbox: append failed, retried on the next tick: ${(e as Error).message}`);
      } finally {
        current.flushing = undefined;
      }
    })();
    return current.flushing;
  }

  private async flushOnce(): Promise<void> {
    for (;;) {
      const pending = await this.store.pendingOutbox(500);
      if (pending.length === 0) return;
      await this.bus.send(pending.map((r) => ({ topic: r.topic, key: r.key, value: JSON.stringify(r.value), headers: r.headers })));
      // Counted as a stage counts its outputs (a record re-sent after a failed delete counts again, as a stage's replayed batch does).
      for (const r of pending) platformMetrics.produced.labels(this.serviceOf(r.topic), r.topic).inc();
      await this.store.deleteOutbox(pending.map((r) => r.id));
    }
  }
}
