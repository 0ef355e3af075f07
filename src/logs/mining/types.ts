/** The wildcard that stands for a variable position in a template. */
export const WILDCARD = '<*>';

/** A log template as the miner knows it. */
export interface Template {
  /** Stable id: assigned once, never reused, kept when the template generalises or is persisted. */
  id: number;
  /** Bumped each time the template text changes (a position becomes a wildcard). */
  revision: number;
  /** Template tokens; variable positions are WILDCARD. */
  tokens: string[];
  /** Lines matched so far. */
  size: number;
  /** Per position: distinct words seen where the template has a wildcard (see word-slots.ts). */
  slots: (string[] | null)[];
  /** Set when the template is the same event as an older one of another length (see length-merge.ts). */
  sameAs?: number;
}

/** What mining one line yields. */
export interface MinedLine {
  templateId: number;
  revision: number;
  /** The template text after this line was absorbed. */
  template: string;
  /**
   * The event the line belongs to: the template id, plus the words at positions that have only
   * ever held a few distinct words ("12/Paused"). Stable for as long as those positions stay few.
   */
  eventKey: string;
  /** The template with those words filled in. */
  event: string;
  /** The line after privacy masking: the only form that may leave the miner. */
  masked: string;
  /** Values at the template's variable positions (already masked). */
  parameters: string[];
  /** created: new template; updated: the template generalised; matched: unchanged. */
  change: 'created' | 'updated' | 'matched';
}

/** Persisted state of a miner: JSON-safe, versioned so old snapshots can be refused or upgraded. */
export interface MinerSnapshot {
  format: 'vigil.log-templates';
  version: 1;
  nextId: number;
  /** Templates, least recently used first, so a restore keeps the eviction order. */
  templates: Template[];
}
