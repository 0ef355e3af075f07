import { envBool, envNumber } from '../platform/config/env-values.js';

/** The incidents service's settings, from the environment (README "Configuration" has the table). */
export interface IncidentsOptions {
  topics: {
    anomalies: string;
    predictions: string;
    incidents: string;
    remediations: string;
    /** Actions whose webhook failed its last attempt: the dead-letter twin of `remediations`. */
    remediationsDlq: string;
    feedback: string;
  };
  /** PostgreSQL connection string; undefined with no PG* env either: the in-memory store. */
  databaseUrl: string | undefined;
  /** Schema holding the tables (created at start, idempotent). */
  databaseSchema: string;
  /** Bearer tokens accepted on mutating endpoints; empty: every mutation is refused. */
  apiTokens: string[];
  /** What makes up the grouping key: `entity` and/or label names (e.g. `service`: one incident per service across hosts). */
  groupBy: string[];
  /** A finding joins a live incident of its group if it comes within this (event time) of the last one. */
  groupWindowMs: number;
  /** Findings a group needs before its incident opens (and is announced). */
  minOccurrences: number;
  /** Open incidents with no finding for this long (wall time) resolve themselves. */
  quietMs: number;
  /** How often timers (auto-resolve, approval expiry, verification) run. */
  sweepMs: number;
  /** `kind:label`: an open incident of that kind on entity E suppresses findings with labels[label] == E. */
  inhibit: Array<{ sourceKind: string; targetLabel: string }>;
  /** Score at or above which an incident is critical (else warning). */
  criticalScore: number;
  rulesDir: string;
  /** The recommender's base URL: incident reads then include its ranking of the candidate actions. */
  recoUrl: string | undefined;
  remediation: RemediationOptions;
  delivery: DeliveryOptions;
}

export interface RemediationOptions {
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

export function loadIncidentsOptions(env: NodeJS.ProcessEnv = process.env): IncidentsOptions {
  const url = env.VIGIL_DATABASE_URL?.trim() || (env.PGHOST || env.PGDATABASE ? 'postgres://' : undefined);
  const schema = env.VIGIL_DATABASE_SCHEMA?.trim() || 'vigil';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`VIGIL_DATABASE_SCHEMA must be a lower-case SQL identifier, not "${schema}"`);
  return {
    topics: {
      anomalies: 'aiops.anomalies',
      predictions: 'aiops.predictions',
      incidents: 'aiops.incidents',
      remediations: 'aiops.remediations',
      remediationsDlq: 'aiops.remediations.dlq',
      feedback: 'aiops.feedback',
    },
    databaseUrl: url,
    databaseSchema: schema,
    apiTokens: (env.VIGIL_API_TOKENS ?? '').split(',').map((t) => t.trim()).filter(Boolean),
    groupBy: groupBy(env.INCIDENTS_GROUP_BY ?? 'entity'),
    groupWindowMs: envNumber(env, 'INCIDENTS_GROUP_WINDOW_MS', 10 * 60_000),
    minOccurrences: Math.max(1, envNumber(env, 'INCIDENTS_MIN_OCCURRENCES', 1)),
    quietMs: envNumber(env, 'INCIDENTS_QUIET_MS', 15 * 60_000),
    sweepMs: Math.max(50, envNumber(env, 'INCIDENTS_SWEEP_MS', 1000)),
    inhibit: parseInhibit(env.INCIDENTS_INHIBIT ?? 'host_down:host'),
    criticalScore: envNumber(env, 'INCIDENTS_CRITICAL_SCORE', 0.9),
    rulesDir: env.INCIDENTS_RULES_DIR?.trim() || 'rules/remediation',
    recoUrl: env.VIGIL_RECO_URL?.trim().replace(/\/$/, '') || undefined,
    remediation: {
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

function groupBy(raw: string): string[] {
  const keys = raw.split(',').map((t) => t.trim()).filter(Boolean);
  if (keys.length === 0) throw new Error('INCIDENTS_GROUP_BY must name at least one of entity or a label');
  return keys;
}

function parseInhibit(raw: string): IncidentsOptions['inhibit'] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [sourceKind, targetLabel, extra] = s.split(':');
      if (!sourceKind || !targetLabel || extra !== undefined) throw new Error(`INCIDENTS_INHIBIT: "${s}" is not kind:label`);
      return { sourceKind, targetLabel };
    });
}
