/**
 * Score drift per entity, as a population stability index (PSI): how far the entity's recent
 * scores have moved from the scores it had while the data its current model was trained on
 * went by. Scores are binned as evidence (-log10 of the row's tail probability) on fixed edges,
 * so each entity keeps two small histograms and no raw values.
 *
 * - reference: the rows scored between the previous training and the latest one (what the
 *   current model was trained on, give or take the flagged windows training leaves out);
 * - recent: the rows scored since, with older rows fading out (half-life `HALF_LIFE_ROWS`).
 *
 * PSI = sum over bins of (recent - reference) * ln(recent / reference), both as fractions.
 * The usual reading: below 0.1 stable, 0.1 to 0.25 moving, above 0.25 a different population.
 */
export const EVIDENCE_EDGES = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6] as const;
const BINS = EVIDENCE_EDGES.length + 1;
export const HALF_LIFE_ROWS = 250;
/** Recent rows needed before a PSI is reported. */
export const MIN_RECENT_ROWS = 50;
/** Floor for an empty bin's fraction, so the logarithm stays finite. */
const EPSILON = 1e-4;
const DECAY = 0.5 ** (1 / HALF_LIFE_ROWS);

interface EntityDrift {
  /** Rows since the last training: the next reference. */
  current: Float64Array;
  reference: Float64Array | undefined;
  recent: Float64Array;
  recentRows: number;
}

export class ScoreDrift {
  private readonly entities = new Map<string, EntityDrift>();

  /** One scored row of the entity, as its tail probability. */
  observe(entity: string, pValue: number): void {
    const s = this.state(entity);
    const bin = binOf(pValue > 0 ? -Math.log10(Math.min(1, pValue)) : Infinity);
    s.current[bin]! += 1;
    for (let i = 0; i < BINS; i++) s.recent[i]! *= DECAY;
    s.recent[bin]! += 1;
    s.recentRows++;
  }

  /** The entity's model was (re)trained on the rows observed so far: they become the reference. */
  retrained(entity: string): void {
    const s = this.state(entity);
    s.reference = s.current;
    s.current = new Float64Array(BINS);
    s.recent = new Float64Array(BINS);
    s.recentRows = 0;
  }

  /** PSI of the entity's recent scores against its reference; undefined before there is enough of both. */
  psi(entity: string): number | undefined {
    const s = this.entities.get(entity);
    if (!s?.reference || s.recentRows < MIN_RECENT_ROWS) return undefined;
    return psi(s.reference, s.recent);
  }

  forget(entity: string): void {
    this.entities.delete(entity);
  }

  private state(entity: string): EntityDrift {
    let s = this.entities.get(entity);
    if (!s) {
      s = { current: new Float64Array(BINS), reference: undefined, recent: new Float64Array(BINS), recentRows: 0 };
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
