import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Bus } from '../bus/types.js';
import type { VigilConfig } from '../config/options.js';
import { FileChangelog } from '../state/file-changelog.js';
import { openChangelog } from '../state/open-changelog.js';
import type { Changelog } from '../state/types.js';
import type { Catalogue } from '../streams/catalogue.js';
import { BUS, CATALOGUE, VIGIL_CONFIG } from './tokens.js';

/**
 * Where stateful services get their changelog (see src/platform/state): the compacted topic on
 * Kafka, a file under VIGIL_STATE_DIR on the embedded default. Closed at shutdown, after the
 * consumers have stopped (their last checkpoints are written by then).
 */
@Injectable()
export class ChangelogsService implements OnApplicationShutdown {
  private readonly open = new Map<string, Promise<Changelog>>();

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CATALOGUE) private readonly catalogue: Catalogue,
    @Inject(VIGIL_CONFIG) private readonly config: VigilConfig,
  ) {}

  /** The changelog of `topic`, opened once per process. */
  get(topic: string): Promise<Changelog> {
    let store = this.open.get(topic);
    if (!store) {
      store = openChangelog(this.bus, this.catalogue, topic, { stateDir: this.config.stateDir });
      this.open.set(topic, store);
      void store.then((s) => new Logger('State').log(`${topic}: ${s instanceof FileChangelog ? `file under ${this.config.stateDir}` : `on the ${this.bus.kind} bus`}`), () => this.open.delete(topic));
    }
    return store;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.open.values()].map(async (s) => (await s.catch(() => undefined))?.close()));
  }
}
