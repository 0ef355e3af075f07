/**
 * Service settings from the environment, read alike by every service: surrounding blanks are
 * ignored, blank means the default, anything else must parse or the start fails naming the
 * variable.
 */

/** The value with surrounding blanks cut; undefined when unset or blank. */
function present(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

/**
 * Text. `emptyIsValue`: a variable set to blank means '' (none: no directory, no prefix)
 * rather than the default, which only an unset variable gets. `asWritten`: blanks are part of
 * the value (a regular expression).
 */
export function envString(env: NodeJS.ProcessEnv, name: string, fallback: string, opts: { emptyIsValue?: boolean; asWritten?: boolean } = {}): string {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const value = opts.asWritten ? raw : raw.trim();
  return value === '' && !opts.emptyIsValue ? fallback : value;
}

/** `a,b, c`: the non-blank items, trimmed; undefined when the variable is blank (an empty list is `,`). */
export function envList(env: NodeJS.ProcessEnv, name: string): string[] | undefined {
  return present(env, name)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Bounds of a number; `is` words what is wanted for the error when the bounds alone say it badly. */
export interface NumberRange {
  /** Default 0. */
  readonly min?: number;
  readonly max?: number;
  /** Both bounds excluded (a fraction strictly between 0 and 1). */
  readonly exclusive?: boolean;
  readonly is?: string;
}

/** A number in range (>= 0 unless said otherwise); `fallback` undefined makes the setting optional. */
export function envNumber<F extends number | undefined>(env: NodeJS.ProcessEnv, name: string, fallback: F, range: NumberRange = {}): number | F {
  return readNumber(env, name, fallback, range, false);
}

/** A whole number in range (>= 0 unless said otherwise). */
export function envInt<F extends number | undefined>(env: NodeJS.ProcessEnv, name: string, fallback: F, range: NumberRange = {}): number | F {
  return readNumber(env, name, fallback, range, true);
}

function readNumber<F extends number | undefined>(env: NodeJS.ProcessEnv, name: string, fallback: F, range: NumberRange, integer: boolean): number | F {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  const { min = 0, max, exclusive = false } = range;
  const inRange = exclusive ? n > min && (max === undefined || n < max) : n >= min && (max === undefined || n <= max);
  if (Number.isFinite(n) && inRange && (!integer || Number.isInteger(n))) return n;
  throw new Error(`${name} must be ${range.is ?? describeRange(integer, min, max, exclusive)}, not "${raw}"`);
}

function describeRange(integer: boolean, min: number, max: number | undefined, exclusive: boolean): string {
  const what = integer ? 'a whole number' : 'a number';
  if (max === undefined) return `${what} ${exclusive ? '>' : '>='} ${min}`;
  return `${what} from ${min} to ${max}${exclusive ? ' (exclusive)' : ''}`;
}

/** One of `choices`; `fallback` undefined makes the setting optional. `anyCase`: `WARN` is `warn`. */
export function envChoice<C extends string, F extends C | undefined>(
  env: NodeJS.ProcessEnv,
  name: string,
  choices: readonly C[],
  fallback: F,
  opts: { anyCase?: boolean } = {},
): C | F {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  const value = opts.anyCase ? raw.toLowerCase() : raw;
  if ((choices as readonly string[]).includes(value)) return value as C;
  const list = choices.length === 2 ? `${choices[0]} or ${choices[1]}` : `one of ${choices.join(', ')}`;
  throw new Error(`${name} must be ${list}, not "${raw}"`);
}

/** true/1 or false/0. */
export function envBool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  return flag(env, name, fallback, ['true', '1'], ['false', '0'], 'true or false');
}

/** on or off. */
export function envOnOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  return flag(env, name, fallback, ['on'], ['off'], 'on or off');
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean, yes: string[], no: string[], what: string): boolean {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  if (yes.includes(raw)) return true;
  if (no.includes(raw)) return false;
  throw new Error(`${name} must be ${what}, not "${raw}"`);
}
