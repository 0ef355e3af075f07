import type { Scalar } from './otlp-values.js';

/**
 * Which entity a sample belongs to: the first of the configured labels (`instance`,
 * `service.name`, `host.name`, ...) present in any of the given label sets, searched in order
 * (the sample's own labels before its resource's), else the configured default.
 */
export class EntityResolver {
  constructor(
    private readonly labels: string[],
    private readonly fallback: string | undefined,
  ) {}

  resolve(...sources: Array<Record<string, Scalar> | undefined>): string | undefined {
    for (const label of this.labels) {
      for (const s of sources) {
        const v = s?.[label];
        if (v !== undefined && v !== null && v !== '') return String(v);
      }
    }
    return this.fallback;
  }

  /** For error messages: what a sample must carry. */
  describe(): string {
    return `one of the labels ${this.labels.join(', ')}`;
  }
}
