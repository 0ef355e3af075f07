import type { WebhookAction } from '../../lib/remediation-rules/index.js';
import type { GuardrailDefaults } from '../options.js';
import type { ActionStore } from '../store/store.js';
import type { ActionRow } from '../types.js';
import type { VerifyVerdict } from './types.js';

/** When a delivered action is judged, if its rule asks for verification. */
export function verifyBy(action: WebhookAction, defaults: GuardrailDefaults, deliveredAt: number): number | null {
  const verify = action.guardrails.verify;
  return verify ? deliveredAt + (verify.within_ms ?? defaults.verifyWithinMs) : null;
}

/** Verified when no finding on the entity came between delivery and the end of the window. */
export async function verificationVerdict(store: ActionStore, row: ActionRow & { delivered_at: number; verify_by: number }): Promise<VerifyVerdict> {
  const after = await store.countFindingsBetween(row.entity, row.delivered_at, row.verify_by);
  const within = (row.verify_by - row.delivered_at) / 1000;
  return after === 0
    ? { outcome: 'verified', reason: `no finding on ${row.entity} within ${within} s of delivery` }
    : { outcome: 'not_verified', reason: `${after} finding(s) on ${row.entity} within ${within} s of delivery` };
}
