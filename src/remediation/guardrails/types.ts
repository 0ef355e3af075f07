import type { RemediationRule, WebhookAction } from '../../lib/remediation-rules/index.js';
import type { GuardrailDefaults } from '../options.js';
import type { ActionStore } from '../store/store.js';
import type { ActionRow, Incident } from '../types.js';

/** What every guardrail may look at: the action, its rule, the global defaults, the store and the clock. */
export interface GuardrailInput {
  store: ActionStore;
  defaults: GuardrailDefaults;
  row: ActionRow;
  rule: RemediationRule;
  action: WebhookAction;
  now: number;
}

/** Before anything is sent: the incident as it is now. */
export interface PlanInput extends GuardrailInput {
  incident: Incident;
}

export type PlanVerdict =
  | { outcome: 'skip'; reason: string }
  | { outcome: 'dry_run'; why: string }
  | { outcome: 'await_approval'; expiresAt: number }
  | { outcome: 'execute' };

export type ClaimVerdict = { outcome: 'busy' } | { outcome: 'skip'; reason: string } | { outcome: 'execute' };

export type VerifyVerdict = { outcome: 'verified' | 'not_verified'; reason: string };
