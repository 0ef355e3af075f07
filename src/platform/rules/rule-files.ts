import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { isMap, LineCounter, parseDocument, type Document, type Node } from 'yaml';

/** Every mistake found in a service's rule files, one line each: `file:line:column: field: what is wrong`. */
export class RuleFileError extends Error {
  constructor(
    what: string,
    readonly problems: string[],
  ) {
    super(`${what} have ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
    this.name = 'RuleFileError';
  }
}

/** One rule file that passed its schema; `at(path)` says where a field of it is, for the caller's own checks. */
export interface RuleFile<T> {
  readonly file: string;
  readonly data: T;
  /** `file:line:column` of the node at `path` (or of the deepest node of it that exists). */
  at(path: ReadonlyArray<string | number>): string;
}

// verbose: errors carry their schema, whose `description` says what a pattern or anyOf wants.
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
const compiled = new WeakMap<object, ValidateFunction>();

/** A rule file's name and text (read from a directory, or written in a test). */
export interface RuleSource {
  readonly file: string;
  readonly text: string;
}

/** What a set of rule files gave: the files that passed, every file read (empty ones too), and every problem. */
export interface RuleFiles<T> {
  files: Array<RuleFile<T>>;
  read: string[];
  problems: string[];
}

/**
 * Every `*.yaml` / `*.yml` file of `dir` (sorted by name), parsed and, given a schema, checked
 * against it with ajv. Files that are empty (or only comments) are left out. A missing directory,
 * YAML that does not parse and schema errors become `problems` (every file's, not only the
 * first); the caller adds its own checks and throws if there are any. Without a schema every
 * file that parses passes, as `unknown`, for a caller that checks it all itself.
 */
export function readRuleFiles<T>(dir: string, schema?: object): RuleFiles<T> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n) && statSync(join(dir, n)).isFile()).sort();
  } catch (err) {
    return { files: [], read: [], problems: [`${dir}: cannot read the rules directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`] };
  }
  return parseRuleSources<T>(
    names.map((name) => ({ file: join(dir, name), text: readFileSync(join(dir, name), 'utf8') })),
    schema,
  );
}

/** `readRuleFiles` on texts already in memory (tests, benches). */
export function parseRuleSources<T>(sources: readonly RuleSource[], schema?: object): RuleFiles<T> {
  const validate = schema && validator(schema);
  const files: Array<RuleFile<T>> = [];
  const problems: string[] = [];
  for (const { file, text } of sources) {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const atOffset = (offset: number | undefined): string => {
      const p = lines.linePos(offset ?? 0);
      return `${file}:${p.line}:${p.col}`;
    };
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.push(`${atOffset(e.pos[0])}: ${e.message.split('\n')[0]}`);
      continue;
    }
    const data: unknown = doc.toJS();
    if (data === null || data === undefined) continue;
    const at = (path: ReadonlyArray<string | number>): string => atOffset(deepestNode(doc, path)?.range?.[0]);
    if (validate && !validate(data)) {
      const errors = validate.errors ?? [];
      // The most telling error first: a misspelt key explains the "missing" one, and an anyOf
      // says what it wants better than the complaint of each of its branches.
      const pick = errors.find((e) => e.keyword === 'additionalProperties') ?? errors.find((e) => e.keyword === 'anyOf') ?? errors[0]!;
      problems.push(describe(doc, pick, at, atOffset));
      continue;
    }
    files.push({ file, data: data as T, at });
  }
  return { files, read: sources.map((s) => s.file), problems };
}

function validator(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = ajv.compile(schema)));
  return validate;
}

/** `select[2].matchers[0]` for the path `['select', 2, 'matchers', 0]`; `(top level)` for none. */
export function fieldName(path: ReadonlyArray<string | number>): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function nodeAt(doc: Document, path: ReadonlyArray<string | number>): Node | undefined {
  const n = path.length === 0 ? doc.contents : doc.getIn(path, true);
  return n && typeof n === 'object' && 'range' in (n as object) ? (n as Node) : undefined;
}

function deepestNode(doc: Document, path: ReadonlyArray<string | number>): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(doc, path.slice(0, n));
    if (node) return node;
  }
  return undefined;
}

function describe(doc: Document, e: ErrorObject, at: (path: ReadonlyArray<string | number>) => string, atOffset: (offset: number | undefined) => string): string {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const field = fieldName(path);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const node = nodeAt(doc, path);
      const pair = isMap(node) ? node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key) : undefined;
      const where = pair ? atOffset((pair.key as Node).range?.[0]) : at(path);
      return `${where}: ${fieldName([...path, key])}: unknown key (${field} takes ${Object.keys(propertiesAt(e)).join(', ')})`;
    }
    case 'required':
      return `${at(path)}: ${field}: missing "${String(params.missingProperty)}"`;
    case 'enum':
      return `${at(path)}: ${field}: must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'pattern':
      return `${at(path)}: ${field}: ${descriptionOf(e) ?? `does not match ${String(params.pattern)}`}`;
    case 'anyOf':
      return `${at(path)}: ${field}: ${descriptionOf(e) ?? 'is not any of the allowed forms'}`;
    default:
      return `${at(path)}: ${field}: ${e.message ?? 'invalid'}`;
  }
}

/** The schema's own word for what it wants, where it has one. */
function descriptionOf(e: ErrorObject): string | undefined {
  const d = (e.parentSchema as { description?: unknown } | undefined)?.description;
  return typeof d === 'string' ? d : undefined;
}

function propertiesAt(e: ErrorObject): Record<string, unknown> {
  return ((e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {}) as Record<string, unknown>;
}
