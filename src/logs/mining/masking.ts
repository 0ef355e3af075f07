/**
 * Privacy masking applied to every log line before it is mined, stored or published: values that
 * must not leave the pipeline (addresses, credentials, identifiers) are replaced by a typed
 * placeholder such as `<IP>`. Patterns are plain data so operators can extend them from config.
 */
export interface MaskPattern {
  /** Short name, also used in metrics and reports. */
  name: string;
  /** Regular expression source (JavaScript syntax). Applied globally. */
  regex: string;
  /** Extra flags besides `g` (e.g. `i`). */
  flags?: string;
  /** Replacement; may use `$1`.. to keep a non-secret part such as the key name. */
  replacement: string;
}

/**
 * Defaults, most specific first: a JWT must be masked before its dots make it look like a host,
 * an e-mail before its domain, a UUID before its hex runs, key=value secrets before numbers.
 */
export const DEFAULT_MASK_PATTERNS: readonly MaskPattern[] = [
  // Credentials named as such: "password=...", "api_key: ...", "secret=...", also inside longer
  // key names ("aws_secret_access_key=", "DB_PASSWORD:"); the key name is kept, the value goes.
  // The prefix is bounded so a long run of dots and words cannot cost quadratic time.
  {
    name: 'secret-kv',
    regex: String.raw`\b((?:[\w.-]{0,48}[_.-])?(?:pass(?:word|wd)?|pwd|secret|api[_-]?key|access[_-]?key|private[_-]?key|secret[_-]?key|client[_-]?secret|credentials?|(?:access|refresh|auth|session|id)?[_-]?token)["']?\s*[=:]\s*)["']?[^\s"',;&]+["']?`,
    flags: 'i',
    replacement: '$1<SECRET>',
  },
  // HTTP Authorization schemes.
  {
    name: 'auth-header',
    regex: String.raw`\b(Bearer|Basic|Digest|Token)\s+[A-Za-z0-9\-._~+/]{8,}=*`,
    replacement: '$1 <TOKEN>',
  },
  // JSON Web Tokens: three base64url segments, the first always starts with "eyJ" ('{"').
  { name: 'jwt', regex: String.raw`\beyJ[\w-]+\.[\w-]+\.[\w-]+`, replacement: '<TOKEN>' },
  // Cloud access key ids (AWS style): a well-known prefix and 16 upper-case alphanumerics.
  { name: 'cloud-key', regex: String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`, replacement: '<TOKEN>' },
  // Starts only where a local-part run starts: trying every position of a long run without an
  // "@" would cost quadratic time on a 64 KiB line.
  { name: 'email', regex: String.raw`(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b`, replacement: '<EMAIL>' },
  {
    name: 'uuid',
    regex: String.raw`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`,
    flags: 'i',
    replacement: '<ID>',
  },
  // IPv6 in full or compressed form (needs "::" or eight groups, so clock times never match).
  {
    name: 'ipv6',
    regex: String.raw`(?<![\w:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?|::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?)(?![\w:]*[g-z])`,
    flags: 'i',
    replacement: '<IP>',
  },
  { name: 'ipv4', regex: String.raw`(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)`, replacement: '<IP>' },
  { name: 'mac', regex: String.raw`\b(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}\b`, flags: 'i', replacement: '<MAC>' },
  // Base64 secrets: a long run mixing upper, lower and digits (plain words and paths do not).
  {
    name: 'base64',
    regex: String.raw`(?<![\w+/=])(?=[A-Za-z0-9+/]*\d)(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*[A-Z])[A-Za-z0-9+/]{24,}={0,2}(?![\w+/=])`,
    replacement: '<TOKEN>',
  },
  // Hex keys, hashes and ids: 0x-prefixed values, or long bare runs that contain a digit.
  { name: 'hex', regex: String.raw`\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{16,}\b`, flags: 'i', replacement: '<HEX>' },
  // Long numbers: card numbers, account ids, phone numbers, epoch timestamps.
  { name: 'long-number', regex: String.raw`(?<![A-Za-z0-9.])\d{6,}(?![A-Za-z0-9]|\.\d)`, replacement: '<NUM>' },
];

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*';
const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*';

/**
 * Not secrets but values: dates and times inside messages. Masked before mining so a month
 * name is never mistaken for a word of the message.
 */
export const DEFAULT_VALUE_PATTERNS: readonly MaskPattern[] = [
  {
    name: 'timestamp',
    regex: String.raw`\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?|\b(?:${WEEKDAY},?\s+)?${MONTH}\s+\d{1,2},?\s+(?:\d{4}\s+)?\d{1,2}:\d{2}:\d{2}(?:\s+\d{4})?`,
    replacement: '<TIME>',
  },
];

/** Compiled form of a pattern list, reused for every line. */
export class Masker {
  private readonly compiled: { name: string; re: RegExp; replacement: string }[];
  /** How many replacements each pattern has made, for metrics. */
  readonly counts = new Map<string, number>();

  constructor(patterns: readonly MaskPattern[] = DEFAULT_MASK_PATTERNS) {
    this.compiled = patterns.map((p) => {
      const flags = new Set(`g${p.flags ?? ''}`);
      return { name: p.name, re: new RegExp(p.regex, [...flags].join('')), replacement: p.replacement };
    });
  }

  /** The line with every sensitive value replaced by its placeholder. */
  mask(line: string): string {
    let out = line;
    for (const { name, re, replacement } of this.compiled) {
      re.lastIndex = 0;
      let hits = 0;
      out = out.replace(re, (...args: unknown[]) => {
        hits++;
        // Expand $n by hand: replace() with a callback does not do it for us.
        // Callback args: match, groups..., offset, input[, named groups object].
        const end = typeof args.at(-1) === 'object' ? -3 : -2;
        const groups = args.slice(1, end) as (string | undefined)[];
        return replacement.replace(/\$(\d)/g, (_, d: string) => groups[Number(d) - 1] ?? '');
      });
      if (hits > 0) this.counts.set(name, (this.counts.get(name) ?? 0) + hits);
    }
    return out;
  }
}
