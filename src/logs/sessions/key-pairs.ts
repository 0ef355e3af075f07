import type { Session } from './session-file.js';

/**
 * Which log keys occur together in one normal session. A session holding a key never seen in
 * training, or two keys no training session held together, breaks an invariant of the normal
 * workflow (the simplest kind of Lou et al.'s invariant mining, USENIX ATC 2010) — whatever the
 * order. It sees what a next-key model with a short history cannot: on HDFS, a block that was
 * re-replicated and later deleted is anomalous although each step looks plausible on its own.
 */
export class KeyPairs {
  private readonly keys = new Set<string>();
  private readonly pairs = new Set<string>();

  constructor(training: Iterable<Session> = []) {
    for (const s of training) this.add(s);
  }

  /** Learn a normal session's keys and pairs. */
  add(session: Session): void {
    const distinct = [...new Set(session)];
    for (const k of distinct) this.keys.add(k);
    for (let i = 0; i < distinct.length; i++) {
      for (let j = i + 1; j < distinct.length; j++) this.pairs.add(pairId(distinct[i]!, distinct[j]!));
    }
  }

  /**
   * What breaks the invariant when `key` joins a session already holding `held` (its distinct
   * keys): the key itself when never seen, else the first held key never seen with it.
   */
  conflict(held: Iterable<string>, key: string): string[] | undefined {
    if (!this.keys.has(key)) return [key];
    for (const other of held) if (other !== key && !this.pairs.has(pairId(key, other))) return [other, key];
    return undefined;
  }

  /** The first unknown key or unseen pair of the session, in the order its keys came. */
  violation(session: Session): string[] | undefined {
    const held = new Set<string>();
    for (const k of session) {
      if (!held.has(k)) {
        const found = this.conflict(held, k);
        if (found) return found;
      }
      held.add(k);
    }
    return undefined;
  }

  isAnomalous(session: Session): boolean {
    return this.violation(session) !== undefined;
  }

  /** Pairs learned so far (for reports and storage). */
  get size(): number {
    return this.pairs.size;
  }

  toJSON(): { keys: string[]; pairs: string[][] } {
    return { keys: [...this.keys], pairs: [...this.pairs].map((p) => p.split(SEPARATOR)) };
  }

  static fromJSON(stored: { keys: string[]; pairs: string[][] }): KeyPairs {
    const kp = new KeyPairs();
    for (const k of stored.keys) kp.keys.add(k);
    for (const p of stored.pairs) {
      if (p.length !== 2) throw new Error(`stored key pair has ${p.length} keys`);
      kp.pairs.add(pairId(p[0]!, p[1]!));
    }
    return kp;
  }
}

const SEPARATOR = '\u0000';

function pairId(a: string, b: string): string {
  return a < b ? a + SEPARATOR + b : b + SEPARATOR + a;
}
