/**
 * Score drift per entity, as a population stability index (PSI): how far the entity's recent
 * scores have moved from its long-run scores. The detector's evidence is calibrated against
 * each series' own history, so its distribution should hold still; a lasting move means the
 * entity behaves in a way its history has not absorbed yet (a new regime, a broken source).
 * Scores are binned as evidence (-log10 of the row's tail probability) on fixed edges, so each
 * entity keeps two small decaying histograms and no raw values:
 *
 * - reference: every row scored, older ones fading slowly (half-life `REFERENCE_HALF_LIFE_ROWS`);
 * - recent: the latest rows (half-life `HALF_LIFE_ROWS`).
 *
 * PSI = sum over bins of (recent - reference) * ln(recent / reference), both as fractions.
 * The usual reading: below 0.1 stable, 0.1 to 0.25 moving, above 0.25 a different population.
 */
export const EVIDENCE_EDGES = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6] as const;
const BINS = EVIDENCE_EDGES.length + 1;
export const HALF_LIFE_ROWS = 250;
export const REFERENCE_HALF_LIFE_ROWS = 10_000;
/** Rows needed before a PSI is reported (the reference must span more than the recent window). */
export const MIN_ROWS = 500;
/** Floor for an empty bin's fraction, so the logarithm stays finite. */
const EPSILON = 1e-4;
const DECAY = 0.5 ** (1 / HALF_LIFE_ROWS);
const REFERENCE_DECAY = 0.5 ** (1 / REFERENCE_HALF_LIFE_ROWS);

interface EntityDrift {
  reference: Float64Array;
  recent: Float64Array;
  rows: number;
}

export class ScoreDrift {
  private readonly entities = new Map<string, EntityDrift>();

  /** One scored row of the entity, as its tail probability. */
  observe(entity: string, pValue: number): void {
    const s = this.state(entity);
    const bin = binOf(pValue > 0 ? -Math.log10(Math.min(1, pValue)) : Infinity);
    for (let i = 0; i < BINS; i++) {
      s.recent[i]! *= DECAY;
      s.reference[i]! *= REFERENCE_DECAY;
    }
    s.recent[bin]! += 1;
    s.reference[bin]! += 1;
    s.rows++;
  }

  /** PSI of the entity's recent scores against its long run; undefined before enough rows. */
  psi(entity: string): number | undefined {
    const s = this.entities.get(entity);
    if (!s || s.rows < MIN_ROWS) return undefined;
    return psi(s.reference, s.recent);
  }

  forget(entity: string): void {
    this.entities.delete(entity);
  }

  private state(entity: string): EntityDrift {
    let s = this.entities.get(entity);
    if (!s) {
      s = { reference: new Float64Array(BINS), recent: new Float64Array(BINS), rows: 0 };
      this.entities.set(entity, s);
    }
    return s;
  }
}

/** PSI between two histograms over the same bins (counts or weights; each is normalised). */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  const e = fractions(expected);
  const a = fractions(actual);
  let sum = 0;
  for (let i = 0; i < e.length; i++) sum += (a[i]! - e[i]!) * Math.log(a[i]! / e[i]!);
  return sum;
}

function fractions(counts: ArrayLike<number>): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  return Array.from({ length: counts.length }, (_, i) => Math.max(EPSILON, total > 0 ? counts[i]! / total : 0));
}

function binOf(evidence: number): number {
  let i = 0;
  while (i < EVIDENCE_EDGES.length && evidence >= EVIDENCE_EDGES[i]!) i++;
  return i;
}
