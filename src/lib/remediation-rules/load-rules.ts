import { durationMs } from '../../platform/config/duration.js';
import { parseRuleSources, readRuleFiles, RuleFileError, type RuleFile } from '../../platform/rules/rule-files.js';
import { parseSecrets } from '../../platform/webhooks/signing.js';
import { RULE_FILE_SCHEMA } from './rule-schema.js';
import type { BodyFormat, Guardrails, RemediationRule, WebhookAction } from './rule-types.js';

export interface LoadRulesOptions {
  env?: NodeJS.ProcessEnv;
  /** Global dry-run: secrets may then be missing (previews are signed with a throwaway one). */
  globalDryRun?: boolean;
}

/** Loads and checks every `*.yaml` / `*.yml` in `dir` (sorted by name); throws RuleFileError listing all problems. */
export function loadRemediationRules(dir: string, options: LoadRulesOptions = {}): RemediationRule[] {
  const { files, problems } = readRuleFiles<RawFile>(dir, RULE_FILE_SCHEMA);
  const rules: RemediationRule[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    for (const r of rulesOf(file, options, problems)) {
      const first = seen.get(r.name);
      if (first) problems.push(`${r.file}:${r.line}:1: rule name "${r.name}" is already used at ${first}`);
      else seen.set(r.name, `${r.file}:${r.line}`);
      rules.push(r);
    }
  }
  if (problems.length > 0) throw new RuleFileError('remediation rules', problems);
  return rules;
}

/** One file's rules; its problems are appended to `problems`. Exported for tests of single documents. */
export function loadFile(file: string, text: string, options: LoadRulesOptions, problems: string[]): RemediationRule[] {
  const parsed = parseRuleSources<RawFile>([{ file, text }], RULE_FILE_SCHEMA);
  problems.push(...parsed.problems);
  return parsed.files.flatMap((f) => rulesOf(f, options, problems));
}

/** The rules of a file that passed the schema, with the checks a schema cannot make (secrets, bodies). */
function rulesOf({ file, data, at }: RuleFile<RawFile>, options: LoadRulesOptions, problems: string[]): RemediationRule[] {
  return data.rules.map((raw, i) => {
    const where = (path: Array<string | number>) => at(['rules', i, ...path]);
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
    // `file:line:column` of the rule: its line is the one before the column.
    const line = Number(where([]).split(':').at(-2));
    return { name: raw.name, file, line, match: raw.match, actions };
  });
}

interface RawFile {
  rules: RawRule[];
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
