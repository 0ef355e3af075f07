/**
 * Service settings from the environment, read alike by every service: blank means the default,
 * anything else must parse or the start fails naming the variable.
 */

/** A number >= 0. */
export function envNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number >= 0, not "${raw}"`);
  return n;
}

/** A whole number >= 1. */
export function envPositiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = envNumber(env, name, fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number >= 1, not "${env[name]?.trim()}"`);
  return n;
}

/** true/1 or false/0. */
export function envBool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`${name} must be true or false, not "${raw}"`);
}
