import { parseRuleSources, readRuleFiles, type RuleFiles, type RuleSource } from '../../platform/rules/rule-files.js';
import { FEATURE_NAMES, isFeatureName } from '../features/feature-names.js';
import { DEFAULT_THRESHOLDS } from '../options.js';
import type { Decision } from '../types.js';
import { DECISIONS, type LimitRule, type ListRule, type RiskRules, type Thresholds } from './rule-types.js';

/** Every problem found in the rule files, one line each as `file:line:column: where: what`. */
export class RiskRuleError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid risk rules:\n  ${problems.join('\n  ')}`);
    this.name = 'RiskRuleError';
  }
}

/** Loads and validates every `*.yaml` / `*.yml` file in `dir` (sorted by name), with the platform's rule-file reader. */
export async function loadRiskRules(dir: string, overrides: { thresholds?: Partial<Thresholds> } = {}): Promise<RiskRules> {
  return checkRiskRules(readRuleFiles(dir), overrides);
}

/** Validates rule sources already in memory (tests). */
export function parseRiskRules(sources: readonly RuleSource[], overrides: { thresholds?: Partial<Thresholds> } = {}): RiskRules {
  return checkRiskRules(parseRuleSources(sources), overrides);
}

/**
 * The checks are the risk service's own (no schema): each file's every problem is reported,
 * not only the first a schema would pick.
 */
function checkRiskRules(read: RuleFiles<unknown>, overrides: { thresholds?: Partial<Thresholds> }): RiskRules {
  const problems = read.problems;
  const limits: LimitRule[] = [];
  const lists: ListRule[] = [];
  const ids = new Map<string, string>();
  let thresholds: Thresholds | undefined;
  let thresholdsFile: string | undefined;

  for (const { file, data: doc, at } of read.files) {
    const problem = (where: string, what: string) => problems.push(`${at(pathOf(where))}: ${where}: ${what}`);
    if (!isRecord(doc)) {
      problem('top level', 'must be a mapping with any of: thresholds, limits, lists');
      continue;
    }
    for (const key of Object.keys(doc)) {
      if (!['thresholds', 'limits', 'lists'].includes(key)) problem(key, 'unknown key (expected thresholds, limits or lists)');
    }
    const claimId = (where: string, id: unknown): string | undefined => {
      if (typeof id !== 'string' || id.trim() === '') {
        problem(where, 'id must be a non-empty string');
        return undefined;
      }
      const previous = ids.get(id);
      if (previous) problem(where, `duplicate id '${id}' (also in ${previous})`);
      ids.set(id, file);
      return id;
    };

    if (doc.thresholds !== undefined) {
      if (thresholdsFile) problem('thresholds', `already set in ${thresholdsFile}; set them in one file only`);
      thresholdsFile = file;
      const t = doc.thresholds;
      if (!isRecord(t)) problem('thresholds', 'must be a mapping with review and decline');
      else {
        const review = probability(t.review, 'thresholds.review', problem);
        const decline = probability(t.decline, 'thresholds.decline', problem);
        for (const key of Object.keys(t)) if (key !== 'review' && key !== 'decline') problem(`thresholds.${key}`, 'unknown key');
        if (review !== undefined && decline !== undefined) {
          if (review > decline) problem('thresholds', `review (${review}) must not exceed decline (${decline})`);
          thresholds = { review, decline };
        }
      }
    }

    for (const [i, rule] of sequence(doc.limits, 'limits', problem).entries()) {
      const where = `limits[${i}]`;
      if (!isRecord(rule)) {
        problem(where, 'must be a mapping');
        continue;
      }
      unknownKeys(rule, ['id', 'description', 'feature', 'above', 'below', 'decision'], where, problem);
      const id = claimId(`${where}.id`, rule.id);
      const decision = decisionOf(rule.decision, `${where}.decision`, problem);
      const feature = rule.feature;
      if (typeof feature !== 'string' || !isFeatureName(feature)) {
        problem(`${where}.feature`, `unknown feature ${JSON.stringify(feature)} (known: ${FEATURE_NAMES.join(', ')})`);
      }
      const above = optionalNumber(rule.above, `${where}.above`, problem);
      const below = optionalNumber(rule.below, `${where}.below`, problem);
      if (rule.above === undefined && rule.below === undefined) problem(where, 'needs above and/or below');
      const description = optionalString(rule.description, `${where}.description`, problem);
      if (id && decision && typeof feature === 'string' && isFeatureName(feature)) {
        limits.push({ id, feature, decision, file, ...(above !== undefined && { above }), ...(below !== undefined && { below }), ...(description && { description }) });
      }
    }

    for (const [i, rule] of sequence(doc.lists, 'lists', problem).entries()) {
      const where = `lists[${i}]`;
      if (!isRecord(rule)) {
        problem(where, 'must be a mapping');
        continue;
      }
      unknownKeys(rule, ['id', 'description', 'decision', 'customers', 'terminals'], where, problem);
      const id = claimId(`${where}.id`, rule.id);
      const decision = decisionOf(rule.decision, `${where}.decision`, problem);
      const customers = idList(rule.customers, `${where}.customers`, problem);
      const terminals = idList(rule.terminals, `${where}.terminals`, problem);
      if (rule.customers === undefined && rule.terminals === undefined) problem(where, 'needs customers and/or terminals');
      const description = optionalString(rule.description, `${where}.description`, problem);
      if (id && decision) lists.push({ id, decision, customers, terminals, file, ...(description && { description }) });
    }
  }

  const merged = { ...DEFAULT_THRESHOLDS, ...thresholds, ...overrides.thresholds };
  if (problems.length === 0 && !(merged.review <= merged.decline)) problems.push(`thresholds (with overrides): review (${merged.review}) must not exceed decline (${merged.decline})`);
  if (problems.length) throw new RiskRuleError(problems);
  return { thresholds: merged, limits, lists, files: read.read };
}

type Problem = (where: string, what: string) => void;

/** `limits[2].feature` as the path `['limits', 2, 'feature']`, to find it in the file; `top level` is the document. */
function pathOf(where: string): Array<string | number> {
  if (where === 'top level') return [];
  return where.split(/\.|(?=\[)/).map((part) => (part.startsWith('[') ? Number(part.slice(1, -1)) : part));
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function sequence(x: unknown, where: string, problem: Problem): unknown[] {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) {
    problem(where, 'must be a list');
    return [];
  }
  return x;
}

function unknownKeys(rule: Record<string, unknown>, allowed: string[], where: string, problem: Problem): void {
  for (const key of Object.keys(rule)) if (!allowed.includes(key)) problem(`${where}.${key}`, `unknown key (expected ${allowed.join(', ')})`);
}

function decisionOf(x: unknown, where: string, problem: Problem): Decision | undefined {
  if (typeof x === 'string' && (DECISIONS as readonly string[]).includes(x)) return x as Decision;
  problem(where, `must be one of ${DECISIONS.join(', ')} (got ${JSON.stringify(x)})`);
  return undefined;
}

function probability(x: unknown, where: string, problem: Problem): number | undefined {
  if (typeof x === 'number' && x >= 0 && x <= 1) return x;
  problem(where, `must be a number between 0 and 1 (got ${JSON.stringify(x)})`);
  return undefined;
}

function optionalNumber(x: unknown, where: string, problem: Problem): number | undefined {
  if (x === undefined) return undefined;
  if (typeof x === 'number' && Number.isFinite(x)) return x;
  problem(where, `must be a number (got ${JSON.stringify(x)})`);
  return undefined;
}

function optionalString(x: unknown, where: string, problem: Problem): string | undefined {
  if (x === undefined || typeof x === 'string') return x;
  problem(where, 'must be a string');
  return undefined;
}

/** Ids may be written as numbers in YAML; they are compared as strings. */
function idList(x: unknown, where: string, problem: Problem): Set<string> {
  const ids = new Set<string>();
  for (const [i, id] of sequence(x, where, problem).entries()) {
    if (typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id))) ids.add(String(id));
    else problem(`${where}[${i}]`, `must be a string or integer id (got ${JSON.stringify(id)})`);
  }
  return ids;
}
