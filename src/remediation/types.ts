import { Refusal } from '../platform/http/refusal.js';
import type { Context } from '@opentelemetry/api';
import type { OutboxRecord } from '../platform/db/outbox.js';

// Actions and their decisions are rows of the incidents database (src/lib/incident-records),
// which remediation shares with the incidents service: it reads incidents and silences there.
export type { ActionEvent, ActionRow, ActionStatus, Incident, IncidentEvent, Silence } from '../lib/incident-records/index.js';

/** Where decision events go: into the decision's transaction, then appended (see Outbox). */
export interface ActionOutbox {
  record(topic: string, key: string, id: string, value: object, trace?: Context): OutboxRecord;
  deadLetter(topic: string, key: string, id: string, value: object, headers: Record<string, string>, trace?: Context): OutboxRecord;
  flush(): Promise<void>;
}

export interface RemediationLog {
  log(message: string): void;
  warn(message: string): void;
}

/** A refusal of an operator's decision (no such action, not awaiting approval): the controller answers it with its status. */
export class ActionError extends Refusal {}
