import { DEFAULT_MASK_PATTERNS, DEFAULT_VALUE_PATTERNS, type MaskPattern } from './masking.js';

/** How the template miner behaves. One configuration serves every log source. */
export interface MinerOptions {
  /** Depth of the parse tree: root, length layer, then depth-2 leading-token layers. */
  depth: number;
  /** A line joins the most similar cluster in its leaf when similarity reaches this. */
  similarityThreshold: number;
  /** Children per tree node before new tokens share the wildcard branch (keeps the tree small). */
  maxChildren: number;
  /** Clusters kept in memory; the least recently matched is evicted beyond it. */
  maxClusters: number;
  /** Privacy masks applied to every line before mining. */
  maskPatterns: readonly MaskPattern[];
  /** Further values (dates, times) masked after the privacy masks, to help grouping. */
  valuePatterns: readonly MaskPattern[];
  /** Characters that separate tokens besides whitespace; kept attached to the token before them. */
  extraDelimiters: string;
  /** Alphanumeric runs containing digits are variables outright, not only in tree routing. */
  digitRunsAreVariables: boolean;
  /**
   * A wildcard position that has held at most this many distinct words tells events apart
   * (0 turns this off, giving plain Drain groups).
   */
  wordValueLimit: number;
  /** Join a new template to an older one of another length when only values tell them apart. */
  mergeAcrossLengths: boolean;
}

export const DEFAULT_MINER_OPTIONS: MinerOptions = {
  depth: 4,
  similarityThreshold: 0.7,
  maxChildren: 100,
  maxClusters: 10_000,
  maskPatterns: DEFAULT_MASK_PATTERNS,
  valuePatterns: DEFAULT_VALUE_PATTERNS,
  extraDelimiters: '',
  digitRunsAreVariables: true,
  wordValueLimit: 4,
  mergeAcrossLengths: true,
};

export function resolveMinerOptions(partial: Partial<MinerOptions> = {}): MinerOptions {
  const o = { ...DEFAULT_MINER_OPTIONS, ...partial };
  if (!Number.isInteger(o.depth) || o.depth < 3) throw new Error(`miner depth must be an integer >= 3, got ${o.depth}`);
  if (!(o.similarityThreshold > 0 && o.similarityThreshold <= 1)) {
    throw new Error(`similarityThreshold must be in (0, 1], got ${o.similarityThreshold}`);
  }
  if (!Number.isInteger(o.maxChildren) || o.maxChildren < 2) throw new Error(`maxChildren must be >= 2, got ${o.maxChildren}`);
  if (!Number.isInteger(o.maxClusters) || o.maxClusters < 1) throw new Error(`maxClusters must be >= 1, got ${o.maxClusters}`);
  if (!Number.isInteger(o.wordValueLimit) || o.wordValueLimit < 0) throw new Error(`wordValueLimit must be >= 0, got ${o.wordValueLimit}`);
  return o;
}
