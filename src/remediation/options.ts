import { envBool, envNumber, envString } from '../platform/config/env-values.js';
import { loadDatabaseOptions, type DatabaseOptions } from '../platform/db/options.js';
import { loadApiTokens } from '../platform/http/bearer.guard.js';

/** The remediation service's settings, from the environment (README "Configuration" has the table). */
export interface RemediationOptions {
  topics: {
    /** What it acts on. */
    incidents: string;
    remediations: string;
    /** Actions whose webhook failed its last attempt: the dead-letter twin of `remediations`. */
    remediationsDlq: string;
  };
  /** The incidents database (shared with the incidents service). */
  database: DatabaseOptions;
  /** Bearer tokens accepted on approve and reject; empty: both are refused. */
  apiTokens: string[];
  /** rules/remediation (INCIDENTS_RULES_DIR). */
  rulesDir: string;
  /** How often timers (approval expiry, verification, adoption) run (INCIDENTS_SWEEP_MS). */
  sweepMs: number;
  /** Base URL of Vigil's API in webhook bodies (VIGIL_EXTERNAL_URL, else this process's port on localhost). */
  externalUrl: string;
  guardrails: GuardrailDefaults;
  delivery: DeliveryOptions;
}

/** The global guardrails, and the defaults of a rule's own. */
export interface GuardrailDefaults {
  /** Global dry-run: no action is sent, whatever the rules say. */
  dryRun: boolean;
  /** Actions executing at once, across all rules. */
  maxConcurrent: number;
  /** Distinct entities acted on per environment within blastWindowMs. */
  blastRadius: number;
  blastWindowMs: number;
  /** Default approval lifetime when a rule does not give one. */
  approvalTtlMs: number;
  /** Default verification window when a rule asks for verification without one. */
  verifyWithinMs: number;
  /** Actions of incidents whose last finding (event time) is older than this are skipped; 0: no limit. */
  maxFindingAgeMs: number;
  /**
   * How long a process's hold on an unfinished action lasts without renewal (renewed every third
   * of it). A process that dies leaves its actions to another after this.
   */
  leaseMs: number;
}

export interface DeliveryOptions {
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number;
  backoffMaxMs: number;
  /** Consecutive failures that open an endpoint's circuit, and how long it stays open. */
  breakerThreshold: number;
  breakerResetMs: number;
}

export function loadRemediationOptions(env: NodeJS.ProcessEnv = process.env, httpPort = 8080): RemediationOptions {
  return {
    topics: { incidents: 'aiops.incidents', remediations: 'aiops.remediations', remediationsDlq: 'aiops.remediations.dlq' },
    database: loadDatabaseOptions(env),
    apiTokens: loadApiTokens(env),
    rulesDir: envString(env, 'INCIDENTS_RULES_DIR', 'rules/remediation'),
    sweepMs: Math.max(50, envNumber(env, 'INCIDENTS_SWEEP_MS', 1000)),
    externalUrl: envString(env, 'VIGIL_EXTERNAL_URL', `http://localhost:${httpPort}`).replace(/\/$/, ''),
    guardrails: {
      dryRun: envBool(env, 'REMEDIATION_DRY_RUN', false),
      maxConcurrent: Math.max(1, envNumber(env, 'REMEDIATION_MAX_CONCURRENT', 4)),
      blastRadius: Math.max(1, envNumber(env, 'REMEDIATION_BLAST_RADIUS', 5)),
      blastWindowMs: envNumber(env, 'REMEDIATION_BLAST_WINDOW_MS', 60 * 60_000),
      approvalTtlMs: envNumber(env, 'REMEDIATION_APPROVAL_TTL_MS', 15 * 60_000),
      verifyWithinMs: envNumber(env, 'REMEDIATION_VERIFY_WITHIN_MS', 10 * 60_000),
      maxFindingAgeMs: envNumber(env, 'REMEDIATION_MAX_FINDING_AGE_MS', 60 * 60_000),
      leaseMs: Math.max(300, envNumber(env, 'REMEDIATION_LEASE_MS', 30_000)),
    },
    delivery: {
      timeoutMs: Math.max(1, envNumber(env, 'WEBHOOK_TIMEOUT_MS', 5000)),
      maxAttempts: Math.max(1, envNumber(env, 'WEBHOOK_MAX_ATTEMPTS', 5)),
      backoffMs: envNumber(env, 'WEBHOOK_BACKOFF_MS', 500),
      backoffMaxMs: envNumber(env, 'WEBHOOK_BACKOFF_MAX_MS', 30_000),
      breakerThreshold: Math.max(1, envNumber(env, 'WEBHOOK_BREAKER_THRESHOLD', 5)),
      breakerResetMs: envNumber(env, 'WEBHOOK_BREAKER_RESET_MS', 30_000),
    },
  };
}
