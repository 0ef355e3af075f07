import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { parseSecrets } from '../../platform/webhooks/signing.js';
import { durationMs } from '../../platform/config/duration.js';
import { RULE_FILE_SCHEMA } from './rule-schema.js';
import type { BodyFormat, Guardrails, RemediationRule, WebhookAction } from './rule-types.js';

/** Every mistake found in the rule files, each as `file:line:column: what is wrong`. */
export class RuleFileError extends Error {
  constructor(readonly problems: string[]) {
    super(`remediation rules have ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  }
}

export interface LoadRulesOptions {
  env?: NodeJS.ProcessEnv;
  /** Global dry-run: secrets may then be missing (previews are signed with a throwaway one). */
  globalDryRun?: boolean;
}

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(RULE_FILE_SCHEMA);

/** Loads and checks every `*.yaml` / `*.yml` in `dir` (sorted by name); throws RuleFileError listing all problems. */
export function loadRemediationRules(dir: string, options: LoadRulesOptions = {}): RemediationRule[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n) && statSync(join(dir, n)).isFile()).sort();
  } catch (e) {
    throw new RuleFileError([`${dir}: cannot read the rules directory (${(e as Error).message})`]);
  }
  const problems: string[] = [];
  const rules: RemediationRule[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    const got = loadFile(file, readFileSync(file, 'utf8'), options, problems);
    for (const r of got) {
      const first = seen.get(r.name);
      if (first) problems.push(`${file}:${r.line}:1: rule name "${r.name}" is already used at ${first}`);
      else seen.set(r.name, `${file}:${r.line}`);
      rules.push(r);
    }
  }
  if (problems.length > 0) throw new RuleFileError(problems);
  return rules;
}

/** One file's rules; its problems are appended to `problems`. Exported for tests of single documents. */
export function loadFile(file: string, text: string, options: LoadRulesOptions, problems: string[]): RemediationRule[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): string => {
    const p = lines.linePos(offset ?? 0);
    return `${file}:${p.line}:${p.col}`;
  };
  if (doc.errors.length > 0) {
    for (const e of doc.errors) problems.push(`${at(e.pos[0])}: ${e.message.split('\n')[0]}`);
    return [];
  }
  const data: unknown = doc.toJS();
  if (!validate(data)) {
    const errors = validate.errors ?? [];
    // The most telling error first: a misspelt key explains the "missing" one; an anyOf failure
    // lists each branch's complaint before its own, which says more.
    const pick = errors.find((e) => e.keyword === 'additionalProperties') ?? errors.find((e) => e.keyword === 'anyOf') ?? errors[0]!;
    problems.push(describeSchemaError(doc, pick, at));
    return [];
  }
  const rules: RemediationRule[] = [];
  const parsed = data as { rules: RawRule[] };
  parsed.rules.forEach((raw, i) => {
    const where = (path: Array<string | number>) => at(nodeAt(doc, ['rules', i, ...path])?.range?.[0]);
    const ruleGuards = guardrails(raw.guardrails);
    const actions: WebhookAction[] = raw.actions.map((a, j) => {
      const guards = { ...ruleGuards, ...guardrails(a.guardrails) };
      const format: BodyFormat = a.webhook.format ?? 'vigil';
      if (format === 'template' && a.webhook.body === undefined) problems.push(`${where(['actions', j, 'webhook'])}: format template needs a body`);
      if (format !== 'template' && a.webhook.body !== undefined) problems.push(`${where(['actions', j, 'webhook', 'body'])}: a body is only used with format: template`);
      const dryRun = options.globalDryRun || guards.dry_run === true;
      let secrets: string[] = [];
      const envName = a.webhook.secret_env;
      const raw = envName ? (options.env ?? process.env)[envName] : undefined;
      if (envName && raw) {
        try {
          secrets = parseSecrets(raw);
        } catch (e) {
          problems.push(`${where(['actions', j, 'webhook', 'secret_env'])}: ${envName}: ${(e as Error).message}`);
        }
      } else if (!dryRun) {
        problems.push(
          `${where(['actions', j, 'webhook', envName ? 'secret_env' : 'url'])}: ${envName ? `secret_env ${envName} is not set in the environment` : 'secret_env is required'} (webhooks are always signed; only dry-run actions may go without)`,
        );
      }
      return {
        name: a.name,
        url: a.webhook.url,
        format,
        body: a.webhook.body,
        headers: a.webhook.headers ?? {},
        secrets,
        ephemeralSecret: secrets.length === 0,
        ...(envName ? { secretEnv: envName } : {}),
        ...(a.webhook.timeout !== undefined ? { timeout_ms: durationMs(a.webhook.timeout)! } : {}),
        guardrails: guards,
      };
    });
    rules.push({ name: raw.name, file, line: lines.linePos(nodeAt(doc, ['rules', i])?.range?.[0] ?? 0).line, match: raw.match, actions });
  });
  return rules;
}

interface RawGuardrails {
  dry_run?: boolean;
  approval?: { required: boolean; expires_after?: string | number };
  rate_limit?: { max: number; per: string | number };
  cooldown?: string | number;
  max_concurrent?: number;
  blast_radius?: { max_entities: number; window?: string | number };
  verify?: { within?: string | number };
}

interface RawRule {
  name: string;
  match: RemediationRule['match'];
  guardrails?: RawGuardrails;
  actions: Array<{
    name: string;
    webhook: { url: string; format?: BodyFormat; body?: unknown; headers?: Record<string, string>; secret_env?: string; timeout?: string | number };
    guardrails?: RawGuardrails;
  }>;
}

/** Only the guardrails the YAML sets, so an action's can be laid over its rule's. */
function guardrails(g: RawGuardrails | undefined): Guardrails {
  if (!g) return {};
  const out: Guardrails = {};
  if (g.dry_run !== undefined) out.dry_run = g.dry_run;
  if (g.approval) out.approval = { required: g.approval.required, ...(g.approval.expires_after !== undefined ? { expires_after_ms: durationMs(g.approval.expires_after)! } : {}) };
  if (g.rate_limit) out.rate_limit = { max: g.rate_limit.max, per_ms: durationMs(g.rate_limit.per)! };
  if (g.cooldown !== undefined) out.cooldown_ms = durationMs(g.cooldown)!;
  if (g.max_concurrent !== undefined) out.max_concurrent = g.max_concurrent;
  if (g.blast_radius) out.blast_radius = { max_entities: g.blast_radius.max_entities, window_ms: durationMs(g.blast_radius.window ?? '1h')! };
  if (g.verify) out.verify = g.verify.within === undefined ? {} : { within_ms: durationMs(g.verify.within)! };
  return out;
}

function nodeAt(doc: Document, path: Array<string | number>): Node | undefined {
  const n = doc.getIn(path, true);
  return n && typeof n === 'object' && 'range' in (n as object) ? (n as Node) : undefined;
}

/** Points at the deepest node that exists on the error's path (or the offending key itself). */
function describeSchemaError(doc: Document, e: ErrorObject, at: (offset: number | undefined) => string): string {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  let node: Node | undefined;
  for (let n = path.length; n >= 0 && !node; n--) node = n === 0 ? (doc.contents as Node | null) ?? undefined : nodeAt(doc, path.slice(0, n));
  let offset = node?.range?.[0];
  const where = e.instancePath || '(top level)';
  let message = `${where}: ${e.message ?? 'invalid'}`;
  if (e.keyword === 'additionalProperties') {
    const key = String((e.params as { additionalProperty: string }).additionalProperty);
    message = `${where}: unknown key "${key}"`;
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      offset = (pair?.key as Node | undefined)?.range?.[0] ?? offset;
    }
  } else if (e.keyword === 'required') {
    message = `${where}: missing "${(e.params as { missingProperty: string }).missingProperty}"`;
  } else if (e.keyword === 'enum') {
    message = `${where}: must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`;
  } else if (e.keyword === 'anyOf' || e.keyword === 'pattern') {
    message = `${where}: ${e.keyword === 'pattern' ? `does not match ${(e.params as { pattern: string }).pattern}` : 'is not any of the allowed forms (a duration is like 30s, 5m, 1h or a number of ms)'}`;
  }
  if (isSeq(node) && e.keyword === 'minItems') message = `${where}: must have at least ${(e.params as { limit: number }).limit} item(s)`;
  return `${at(offset)}: ${message}`;
}
