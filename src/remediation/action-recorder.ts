import type { Context } from '@opentelemetry/api';
import { messageId } from '../platform/bus/message-id.js';
import { insideExclusive } from '../platform/db/exclusive.js';
import type { OutboxRecord } from '../platform/db/outbox.js';
import { withoutSecrets } from './delivery/redact-url.js';
import { decisionTrace } from './decision-trace.js';
import { remediationMetrics as m } from './remediation.metrics.js';
import type { ActionStore } from './store/store.js';
import type { ActionEvent, ActionOutbox, ActionRow } from './types.js';

export type Decision = ActionEvent['decision'];

/** One decision on an action, as it is recorded. */
export interface DecisionRecord {
  row: ActionRow;
  decision: Decision;
  reason?: string;
  attempt?: number;
  statusCode?: number;
  trace?: Context | undefined;
  /** Records committed with it (a dead letter). */
  more?: OutboxRecord[];
  /** Written only while this process holds the action's lease (see Commit.fence). */
  fenced?: boolean;
}

/**
 * Writes an action's decisions: the row as it is now, its decision row and its aiops.remediations
 * record (and `more`), in one transaction; then appended — after the exclusive section, when
 * inside one (its caller flushes).
 */
export class ActionRecorder {
  constructor(
    private readonly deps: {
      store: ActionStore;
      outbox: ActionOutbox;
      topic: string;
      owner: string;
      now: () => number;
    },
  ) {}

  /** A final decision: the row takes it as its status (a failed attempt leaves the status as it is). */
  async finish(d: DecisionRecord & { reason: string }): Promise<void> {
    d.row.status = d.decision === 'failed' ? d.row.status : (d.decision as ActionRow['status']);
    await this.record(d);
  }

  async record({ row, decision, reason, attempt, statusCode, trace, more = [], fenced = false }: DecisionRecord): Promise<void> {
    const { store, outbox, topic, owner, now } = this.deps;
    if (reason) row.reason = reason.slice(0, 2048);
    row.target = withoutSecrets(row.target); // a row written before targets were cleaned
    row.updated_at = now();
    const ev: ActionEvent = {
      id: messageId(row.id, decision, attempt ?? 0),
      incident_id: row.incident_id,
      action_id: row.id,
      rule: row.rule,
      action: row.action,
      timestamp: now(),
      decision,
      target: row.target,
      entity: row.entity,
      labels: row.labels ?? { environment: row.environment },
      ...(reason ? { reason: reason.slice(0, 2048) } : {}),
      ...(attempt !== undefined ? { attempt } : {}),
      ...(statusCode !== undefined ? { status_code: statusCode } : {}),
    };
    // A decision without a record behind it (API, timer) gets a trace of its own: every event carries a traceparent.
    const out = outbox.record(topic, row.incident_id, ev.id, ev, trace ?? decisionTrace(decision, row.id, row.incident_id));
    await store.commit({ actions: [row], actionEvents: [ev], outbox: [out, ...more], ...(fenced ? { fence: owner } : {}) });
    m.actions.labels(decision).inc();
    if (!insideExclusive()) await outbox.flush();
  }
}
