import { parseRuleSources, readRuleFiles, type RuleFiles, type RuleSource } from '../../platform/rules/rule-files.js';

export type LimitOp = '>' | '>=' | '<' | '<=';
const OPS: readonly LimitOp[] = ['>', '>=', '<', '<='];

/** One limit of rules/predictor/*.yaml. */
export interface LimitRule {
  readonly name: string;
  readonly description?: string;
  readonly metric: string;
  readonly op: LimitOp;
  readonly value: number;
  /** Sample labels that must all be present with these values (empty: every series of the metric). */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Every `*.yaml` / `*.yml` in dir, sorted by name, read with the platform's rule-file reader;
 * every problem reported at once, each naming file:line:column.
 */
export async function loadLimitRules(dir: string): Promise<LimitRule[]> {
  return checkLimitRules(readRuleFiles(dir));
}

/** Limits from texts already in memory (tests, benches). */
export function parseLimitRules(sources: readonly RuleSource[]): LimitRule[] {
  return checkLimitRules(parseRuleSources(sources));
}

/** The checks are the predictor's own (no schema): unknown keys are let through, as they always were. */
function checkLimitRules(read: RuleFiles<unknown>): LimitRule[] {
  const problems = read.problems;
  const rules: LimitRule[] = [];
  const seen = new Set<string>();
  for (const { data, at } of read.files) {
    const doc = data as { limits?: unknown };
    if (!Array.isArray(doc.limits)) {
      problems.push(`${at(['limits'])}: expected a top-level "limits" list`);
      continue;
    }
    doc.limits.forEach((raw: unknown, i: number) => {
      const where = `${at(['limits', i])}: limits[${i}]`;
      const r = (raw ?? {}) as Record<string, unknown>;
      const bad = (what: string) => problems.push(`${where}: ${what}`);
      if (typeof r.name !== 'string' || r.name === '') return bad('name must be a non-empty string');
      if (seen.has(r.name)) return bad(`duplicate name ${r.name}`);
      if (typeof r.metric !== 'string' || r.metric === '') return bad('metric must be a non-empty string');
      if (!OPS.includes(r.op as LimitOp)) return bad(`op must be one of ${OPS.join(' ')}`);
      if (typeof r.value !== 'number' || !Number.isFinite(r.value)) return bad('value must be a number');
      const labels = r.labels ?? {};
      if (typeof labels !== 'object' || Array.isArray(labels) || Object.values(labels as object).some((v) => typeof v !== 'string')) return bad('labels must map names to strings');
      seen.add(r.name);
      rules.push({
        name: r.name,
        ...(typeof r.description === 'string' ? { description: r.description } : {}),
        metric: r.metric,
        op: r.op as LimitOp,
        value: r.value,
        labels: labels as Record<string, string>,
      });
    });
  }
  if (problems.length > 0) throw new Error(`invalid predictor limits:\n  ${problems.join('\n  ')}`);
  return rules;
}

/** The limits that apply to a series of `metric` with these sample labels. */
export function limitsFor(rules: readonly LimitRule[], metric: string, labels: Readonly<Record<string, string>> = {}): LimitRule[] {
  return rules.filter((r) => r.metric === metric && Object.entries(r.labels).every(([k, v]) => labels[k] === v));
}

export function isBreach(value: number, op: LimitOp, limit: number): boolean {
  switch (op) {
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
  }
}
