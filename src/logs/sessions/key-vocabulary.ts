import type { Session } from './session-file.js';

/**
 * Integer codes for log keys. Every session is framed by `history` start markers and one end
 * marker, so the first keys are predicted too and a session that stops early is itself a
 * prediction the model can get wrong. Keys never seen in training map to UNKNOWN.
 */
export class KeyVocabulary {
  static readonly START = 0;
  static readonly END = 1;
  static readonly UNKNOWN = 2;
  private readonly codes = new Map<string, number>();

  constructor(training: Iterable<Session>) {
    const keys = new Set<string>();
    for (const s of training) for (const k of s) keys.add(k);
    // Sorted so the same training data always yields the same codes.
    [...keys].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).forEach((k, i) => this.codes.set(k, i + 3));
  }

  /** Number of codes, markers included. */
  get size(): number {
    return this.codes.size + 3;
  }

  code(key: string): number {
    return this.codes.get(key) ?? KeyVocabulary.UNKNOWN;
  }

  keys(): string[] {
    return [...this.codes.keys()];
  }

  /** Codes of the framed session: `history` starts, the keys, one end marker. */
  frame(session: Session, history: number): number[] {
    return [...new Array<number>(history).fill(KeyVocabulary.START), ...session.map((k) => this.code(k)), KeyVocabulary.END];
  }
}

/** One prediction step: the `history` codes before position i and the code at i. */
export interface Window {
  history: number[];
  next: number;
}

/** Every prediction step of a framed session. */
export function windowsOf(framed: readonly number[], history: number): Window[] {
  const out: Window[] = [];
  for (let i = history; i < framed.length; i++) out.push({ history: framed.slice(i - history, i), next: framed[i]! });
  return out;
}
