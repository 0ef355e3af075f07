import type { ActionStore } from '../store/store.js';
import type { ActionRow } from '../types.js';
import { approvalExpiry } from './approval.js';
import { blastRadiusRefusal } from './blast-radius.js';
import { cooldownRefusal } from './cooldown.js';
import { dryRunReason } from './dry-run.js';
import { incidentRefusal } from './incident-state.js';
import { atMaxConcurrent } from './max-concurrent.js';
import { rateLimitRefusal } from './rate-limit.js';
import { silenceRefusal } from './silence.js';
import type { ClaimVerdict, GuardrailInput, PlanInput, PlanVerdict, VerifyVerdict } from './types.js';
import { verificationVerdict } from './verification.js';

export type GuardrailStep =
  | ({ at: 'plan' } & PlanInput)
  | ({ at: 'claim' } & GuardrailInput)
  | { at: 'verify'; store: ActionStore; row: ActionRow & { delivered_at: number; verify_by: number } };

/**
 * Every guardrail, in the order a careful operator applies them, behind one call:
 * - `plan`: resolved or stale incident? silenced? dry-run? needs approval? else execute;
 * - `claim` (inside the claim's exclusive section, see claimKeys, so what it counts cannot change
 *   before the claim commits): the rule at its max_concurrent? then cooldown, rate limit per
 *   target, blast radius per environment;
 * - `verify`: a delivered action whose window has passed, judged by the findings after it.
 */
export function decide(step: { at: 'plan' } & PlanInput): Promise<PlanVerdict>;
export function decide(step: { at: 'claim' } & GuardrailInput): Promise<ClaimVerdict>;
export function decide(step: Extract<GuardrailStep, { at: 'verify' }>): Promise<VerifyVerdict>;
export async function decide(step: GuardrailStep): Promise<PlanVerdict | ClaimVerdict | VerifyVerdict> {
  switch (step.at) {
    case 'plan':
      return plan(step);
    case 'claim':
      return claim(step);
    case 'verify':
      return verificationVerdict(step.store, step.row);
  }
}

async function plan(input: PlanInput): Promise<PlanVerdict> {
  const refused = incidentRefusal(input) ?? (await silenceRefusal(input));
  if (refused) return { outcome: 'skip', reason: refused };
  const why = dryRunReason(input);
  if (why) return { outcome: 'dry_run', why };
  const expiresAt = approvalExpiry(input);
  if (expiresAt !== undefined) return { outcome: 'await_approval', expiresAt };
  return { outcome: 'execute' };
}

async function claim(input: GuardrailInput): Promise<ClaimVerdict> {
  if (await atMaxConcurrent(input)) return { outcome: 'busy' };
  for (const check of [cooldownRefusal, rateLimitRefusal, blastRadiusRefusal]) {
    const reason = await check(input);
    if (reason) return { outcome: 'skip', reason };
  }
  return { outcome: 'execute' };
}
