/** Milliseconds per unit of a written duration. */
const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `<amount><unit>`: the one way Vigil writes a duration, in settings, the catalogue and rule files. */
const DURATION = /^(\d+(?:\.(\d+))?)(ms|s|m|h|d)$/;

function match(text: string): { amount: number; whole: boolean; unit: keyof typeof UNITS } | undefined {
  const m = DURATION.exec(text.trim());
  return m ? { amount: Number(m[1]), whole: m[2] === undefined, unit: m[3] as keyof typeof UNITS } : undefined;
}

/**
 * `250ms`, `30s`, `1.5m`, `1h`, `2d` or a number of milliseconds; undefined when it is neither,
 * for callers that report the mistake themselves (a schema already said where).
 */
export function durationMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const d = match(v);
  return d ? d.amount * UNITS[d.unit] : undefined;
}

/**
 * A whole amount and a unit (`500ms`, `30s`, `5m`, `12h`, `7d`), as topic configs and settings
 * take it; anything else throws naming `where`.
 */
export function parseDuration(text: string, where = 'duration'): number {
  const d = match(text);
  if (!d || !d.whole) throw new Error(`${where}: "${text}" is not a duration like 500ms, 30s, 5m, 12h or 7d`);
  return d.amount * UNITS[d.unit];
}
