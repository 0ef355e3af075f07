import type { MinerOptions } from '../mining/options.js';
import { TemplateMiner } from '../mining/template-miner.js';
import type { MinedLine } from '../mining/types.js';
import type { StoredTemplates } from './template-store.js';

/**
 * A template miner with a version: the version goes up by one for each line that created or
 * generalised a template, or evicted one (so two stores with the same version hold the same
 * templates), and `dirty` says a save is due. Matching a line changes recency and counts
 * only; that is saved too, with the next change, but does not bump the version.
 */
export class VersionedMiner {
  miner: TemplateMiner;
  version = 0;
  dirty = false;
  /** Lines absorbed since the last save (counts and recency move even when the version does not). */
  unsaved = 0;
  private evictions = 0;

  constructor(private readonly options: Partial<MinerOptions> = {}) {
    this.miner = new TemplateMiner(options);
  }

  static restore(stored: StoredTemplates, options: Partial<MinerOptions> = {}): VersionedMiner {
    const v = new VersionedMiner(options);
    v.miner = TemplateMiner.fromJSON(stored.miner, options);
    v.version = stored.version;
    return v;
  }

  add(line: string): MinedLine {
    const mined = this.miner.add(line);
    const evicted = this.miner.evictions !== this.evictions;
    this.evictions = this.miner.evictions;
    this.unsaved++;
    if (mined.change !== 'matched' || evicted) {
      this.version++;
      this.dirty = true;
    }
    return mined;
  }

  get size(): number {
    return this.miner.size;
  }

  /** The template's current text (masked), or undefined once evicted. */
  text(id: number): string | undefined {
    return this.miner.get(id)?.tokens.join(' ');
  }
}
