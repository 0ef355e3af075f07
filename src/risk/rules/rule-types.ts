import type { FeatureName } from '../features/feature-names.js';
import type { Decision } from '../types.js';

/** Model-score cut-offs: score >= decline declines, score >= review reviews, else approve. */
export interface Thresholds {
  review: number;
  decline: number;
}

/** A hard limit on one feature, e.g. amount above 10,000 declines whatever the model says. */
export interface LimitRule {
  id: string;
  description?: string;
  feature: FeatureName;
  above?: number;
  below?: number;
  decision: Decision;
  file: string;
}

/** Customers and/or terminals that always get `decision` (deny lists decline, allow lists approve). */
export interface ListRule {
  id: string;
  description?: string;
  decision: Decision;
  customers: Set<string>;
  terminals: Set<string>;
  file: string;
}

export interface RiskRules {
  thresholds: Thresholds;
  limits: LimitRule[];
  lists: ListRule[];
  /** Files the rules came from, for logs and health output. */
  files: string[];
}

export const DECISIONS: readonly Decision[] = ['approve', 'review', 'decline'];

/** Higher is more severe; when several rules fire the most severe one wins. */
export const SEVERITY: Readonly<Record<Decision, number>> = { approve: 0, review: 1, decline: 2 };
