import { formatMatcher, matches, type Matcher } from './matchers.js';

/** Series per entity when the rules do not say (`max_series_per_entity`). */
export const DEFAULT_MAX_SERIES = 64;

/** One `select` entry: a series is selected when it satisfies every matcher of some selector. */
export interface Selector {
  readonly matchers: readonly Matcher[];
  /** Where it was written (`file:line:column`), for the start log. */
  readonly source: string;
}

/**
 * Which series form an entity's vector (`rules/detector/*.yaml`, src/detector/README.md): the
 * union of the selectors, each a conjunction of Prometheus matchers, and at most
 * `maxSeriesPerEntity` series per entity (the aligner enforces the cap). Selectors that name
 * their metric exactly are looked up by it, so a sample is checked against its own metric's
 * selectors and the ones that match names by pattern only.
 */
export class SeriesSelection {
  private readonly byMetric = new Map<string, Selector[]>();
  private readonly anyMetric: Selector[] = [];

  constructor(
    readonly selectors: readonly Selector[],
    readonly maxSeriesPerEntity = DEFAULT_MAX_SERIES,
  ) {
    if (!(Number.isInteger(maxSeriesPerEntity) && maxSeriesPerEntity >= 1)) throw new Error(`max_series_per_entity must be an integer >= 1, got ${maxSeriesPerEntity}`);
    for (const s of selectors) {
      const name = s.matchers.find((m) => m.label === '__name__' && m.op === '=');
      if (!name) {
        this.anyMetric.push(s);
        continue;
      }
      let list = this.byMetric.get(name.value);
      if (!list) this.byMetric.set(name.value, (list = []));
      list.push(s);
    }
  }

  /** Every series, up to the cap: what the detector does without rule files (tests, tools). */
  static all(maxSeriesPerEntity = DEFAULT_MAX_SERIES): SeriesSelection {
    return new SeriesSelection([{ matchers: [], source: 'built-in: every series' }], maxSeriesPerEntity);
  }

  selects(metric: string, labels: Readonly<Record<string, string>> = {}): boolean {
    const named = this.byMetric.get(metric);
    if (named && named.some((s) => s.matchers.every((m) => matches(m, metric, labels)))) return true;
    return this.anyMetric.some((s) => s.matchers.every((m) => matches(m, metric, labels)));
  }

  /** One line per selector, as the start log shows them: `{__name__="node_load1"}  (rules/detector/select.yaml:12:5)`. */
  describe(): string[] {
    return this.selectors.map((s) => `{${s.matchers.map(formatMatcher).join(', ')}}  (${s.source})`);
  }
}
