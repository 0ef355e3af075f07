/** Guardrails a rule or an action may set; an action's own override its rule's. Durations in ms. */
export interface Guardrails {
  dry_run?: boolean;
  approval?: { required: boolean; expires_after_ms?: number };
  /** At most `max` actions started per target (webhook URL) within `per_ms`. */
  rate_limit?: { max: number; per_ms: number };
  /** No second run of this rule's action on the same entity within this. */
  cooldown_ms?: number;
  /** This rule's actions executing at once (the global cap applies too). */
  max_concurrent?: number;
  /** Distinct entities acted on per environment within `window_ms` (the global limit applies too). */
  blast_radius?: { max_entities: number; window_ms: number };
  /** After delivery: the entity must produce no finding within this for the action to count as verified. */
  verify?: { within_ms?: number };
}

export type MatchValue = string | string[];

export interface RuleMatch {
  entity?: MatchValue;
  kind?: MatchValue;
  severity?: MatchValue;
  environment?: MatchValue;
  labels?: Record<string, MatchValue>;
  min_score?: number;
}

export type BodyFormat = 'vigil' | 'alertmanager' | 'template';

export interface WebhookAction {
  name: string;
  url: string;
  format: BodyFormat;
  /** With format `template`: any YAML value whose strings may hold `{{ incident.entity }}` and the like. */
  body?: unknown;
  headers: Record<string, string>;
  /** Signing secrets (whsec_…), first signs, all are sent (rotation); from the env var `secret_env`. */
  secrets: string[];
  /** The environment variable the secrets come from, if any. */
  secretEnv?: string;
  /** True when no secret was configured and a throwaway one signs dry-run previews. */
  ephemeralSecret: boolean;
  timeout_ms?: number;
  guardrails: Guardrails;
}

export interface RemediationRule {
  name: string;
  file: string;
  line: number;
  match: RuleMatch;
  actions: WebhookAction[];
}
