import { messageId } from '../../platform/bus/message-id.js';
import { dlqHeaders } from '../../platform/stage/dead-letter.js';
import type { BodyFormat } from '../../lib/remediation-rules/index.js';
import type { ActionRow } from '../types.js';
import { withoutSecrets } from './redact-url.js';

/** The value of an undelivered action on the dead-letter topic: enough to see what failed and to send it by hand. */
export interface UndeliveredAction extends Pick<ActionRow, 'incident_id' | 'rule' | 'action' | 'entity' | 'environment'> {
  type: 'vigil.remediation.undelivered.v1';
  /** The action id: the webhook-id and idempotency-key every attempt carried; a receiver drops a re-send of it. */
  idempotency_key: string;
  /** The webhook URL without credentials: no user or password, query values replaced. */
  target: string;
  format: BodyFormat;
  /** The body every attempt sent (JSON, as sent; unsigned: signatures are made per attempt). */
  body: unknown;
  /** The last attempt's failure. */
  reason: string;
  attempts: number;
  status_code?: number;
  /** When it was given up (ms since epoch). */
  timestamp: number;
}

/**
 * The dead letter of an action whose delivery failed after its last attempt: keyed by incident
 * id (as on aiops.remediations), a stable id (a re-run writes the same record), and the
 * platform's `vigil-dlq-*` headers with reason `delivery_failed`. No source coordinates: the
 * action was never a consumed record.
 */
export function undeliveredAction(
  row: ActionRow,
  a: { url: string; format: BodyFormat; body: string },
  failure: { reason: string; attempts: number; statusCode?: number },
  now: number,
): { key: string; id: string; value: UndeliveredAction; headers: Record<string, string> } {
  let body: unknown;
  try {
    body = JSON.parse(a.body);
  } catch {
    body = a.body;
  }
  const value: UndeliveredAction = {
    type: 'vigil.remediation.undelivered.v1',
    idempotency_key: row.id,
    incident_id: row.incident_id,
    rule: row.rule,
    action: row.action,
    entity: row.entity,
    environment: row.environment,
    target: withoutSecrets(a.url),
    format: a.format,
    body,
    reason: failure.reason,
    attempts: failure.attempts,
    ...(failure.statusCode !== undefined ? { status_code: failure.statusCode } : {}),
    timestamp: now,
  };
  const error = `${row.rule}/${row.action} to ${value.target} gave up after ${failure.attempts} attempt(s): ${failure.reason}`;
  return { key: row.incident_id, id: messageId(row.id, 'undelivered'), value, headers: dlqHeaders('delivery_failed', error, { service: 'remediation' }, undefined, now) };
}
