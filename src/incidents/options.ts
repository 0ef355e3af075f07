import { envNumber, envString } from '../platform/config/env-values.js';
import { loadDatabaseOptions, type DatabaseOptions } from '../platform/db/options.js';
import { loadApiTokens } from '../platform/http/bearer.guard.js';

/** The incidents service's settings, from the environment (README "Configuration" has the table). */
export interface IncidentsOptions {
  topics: {
    anomalies: string;
    predictions: string;
    incidents: string;
    /** Remediation's topics: the outbox table is shared, and labels what it appends by the service that wrote it. */
    remediations: string;
    remediationsDlq: string;
    feedback: string;
  };
  /** The incidents database (shared with remediation). */
  database: DatabaseOptions;
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
  /** How often the auto-resolve timer runs. */
  sweepMs: number;
  /** `kind:label`: an open incident of that kind on entity E suppresses findings with labels[label] == E. */
  inhibit: Array<{ sourceKind: string; targetLabel: string }>;
  /** Score at or above which an incident is critical (else warning). */
  criticalScore: number;
  /** rules/remediation: the actions the recommender is asked to rank (GET /incidents/:id). */
  rulesDir: string;
  /** The recommender's base URL: incident reads then include its ranking of the candidate actions. */
  recoUrl: string | undefined;
}

export function loadIncidentsOptions(env: NodeJS.ProcessEnv = process.env): IncidentsOptions {
  return {
    topics: {
      anomalies: 'aiops.anomalies',
      predictions: 'aiops.predictions',
      incidents: 'aiops.incidents',
      remediations: 'aiops.remediations',
      remediationsDlq: 'aiops.remediations.dlq',
      feedback: 'aiops.feedback',
    },
    database: loadDatabaseOptions(env),
    apiTokens: loadApiTokens(env),
    groupBy: groupBy(envString(env, 'INCIDENTS_GROUP_BY', 'entity', { emptyIsValue: true })),
    groupWindowMs: envNumber(env, 'INCIDENTS_GROUP_WINDOW_MS', 10 * 60_000),
    minOccurrences: Math.max(1, envNumber(env, 'INCIDENTS_MIN_OCCURRENCES', 1)),
    quietMs: envNumber(env, 'INCIDENTS_QUIET_MS', 15 * 60_000),
    sweepMs: Math.max(50, envNumber(env, 'INCIDENTS_SWEEP_MS', 1000)),
    inhibit: parseInhibit(envString(env, 'INCIDENTS_INHIBIT', 'host_down:host', { emptyIsValue: true })),
    criticalScore: envNumber(env, 'INCIDENTS_CRITICAL_SCORE', 0.9),
    rulesDir: envString(env, 'INCIDENTS_RULES_DIR', 'rules/remediation'),
    recoUrl: envString(env, 'VIGIL_RECO_URL', '').replace(/\/$/, '') || undefined,
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
