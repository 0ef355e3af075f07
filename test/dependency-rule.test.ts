import { resolve } from 'node:path';
import { cruise, type ICruiseOptions, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { describe, expect, it } from 'vitest';

/** The rule set CI runs (`npx depcruise src`), on a tree, as "rule: from -> to" lines. */
async function violations(baseDir: string): Promise<string[]> {
  const options: ICruiseOptions = { ...(await extractDepcruiseOptions(resolve('.dependency-cruiser.cjs'))), baseDir };
  const { output } = await cruise(['src'], options);
  if (typeof output === 'string') throw new Error('dependency-cruiser returned text, not a result');
  return output.summary.violations.map((v: IViolation) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

describe('the dependency rule (../shared/DESIGN.md, "Layout")', () => {
  it('holds on src/', async () => {
    expect(await violations(process.cwd())).toEqual([]);
  });

  it('fails on each kind of violation in a tree that commits them, and only on those', async () => {
    expect(await violations(resolve('test/fixtures/dependency-rule'))).toEqual([
      'lib-imports-only-platform: src/lib/anomaly/inner.ts -> src/ingest/parse.ts',
      'lib-through-its-index: src/detector/detect.ts -> src/lib/anomaly/inner.ts',
      'no-service-imports-another: src/detector/detect.ts -> src/ingest/parse.ts',
      'nothing-imports-the-app-root: src/ingest/parse.ts -> src/app/root.ts',
      'platform-imports-no-service: src/platform/bus.ts -> src/detector/detect.ts',
    ]);
  });
});
