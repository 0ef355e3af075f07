/**
 * Prometheus label matchers, as Alertmanager writes them in its configuration: `name op value`
 * with op `=`, `!=`, `=~` or `!~`, the value double-quoted (with PromQL's escapes), single-quoted
 * or bare. `__name__` is the metric name. As in Prometheus, a label the series lacks has the
 * value "", and regexes are fully anchored (`=~"idle|user"` matches `idle`, not `idle2`); they
 * run as JavaScript regexes, a leading `(?i)` making them case-insensitive as in RE2.
 */
export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  readonly label: string;
  readonly op: MatchOp;
  readonly value: string;
  /** For `=~` and `!~`: the value, anchored. */
  readonly regex?: RegExp;
}

/** `label op value`; the label is a Prometheus or OpenTelemetry name (dots allowed). */
export const MATCHER_SYNTAX = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

/** Parses one matcher; throws with what is wrong (the caller adds file and field). */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER_SYNTAX.exec(text);
  if (!m) throw new Error(`"${text}" is not a matcher: write label op "value" with op one of =, !=, =~, !~ (e.g. mode!="idle")`);
  const [, label, op, raw] = m as unknown as [string, string, MatchOp, string];
  const value = unquote(raw);
  if (op === '=' || op === '!=') return { label, op, value };
  let source = value;
  let flags = '';
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags = 'i';
  }
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${source})$`, flags);
  } catch (err) {
    throw new Error(`"${value}" is not a valid regular expression: ${(err as Error).message}`);
  }
  return { label, op, value, regex };
}

/** Does the series (its metric name and labels) satisfy the matcher? */
export function matches(m: Matcher, metric: string, labels: Readonly<Record<string, string>>): boolean {
  const have = m.label === '__name__' ? metric : (labels[m.label] ?? '');
  switch (m.op) {
    case '=':
      return have === m.value;
    case '!=':
      return have !== m.value;
    case '=~':
      return m.regex!.test(have);
    case '!~':
      return !m.regex!.test(have);
  }
}

/** The matcher as Prometheus prints it: `mode!~"idle|steal"`. */
export function formatMatcher(m: Matcher): string {
  return `${m.label}${m.op}${JSON.stringify(m.value)}`;
}

function unquote(raw: string): string {
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) {
    try {
      return JSON.parse(raw) as string;
    } catch {
      throw new Error(`${raw} is not a well-formed double-quoted string (escape \\ and " with a backslash)`);
    }
  }
  if (raw.length >= 2 && raw.startsWith("'") && raw.endsWith("'")) return raw.slice(1, -1);
  if (/^["']/.test(raw)) throw new Error(`${raw}: the quote is not closed`);
  // `mode=="idle"` or `mode=!x` are typing mistakes, not values: a bare value cannot start so.
  if (/^[=!~]/.test(raw)) throw new Error(`${raw}: a value cannot start with =, ! or ~ (quote it if it does)`);
  return raw;
}
