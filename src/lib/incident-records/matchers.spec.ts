import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkMatcher, matchesAll } from './matchers.js';

describe('silence matchers', () => {
  it('match as Alertmanager does: anchored regexes, missing attributes as the empty string', () => {
    const attrs = { entity: 'web-12', environment: 'prod' };
    expect(matchesAll([{ name: 'entity', op: '=~', value: 'web-\\d+' }], attrs)).toBe(true);
    expect(matchesAll([{ name: 'entity', op: '=~', value: 'web' }], attrs)).toBe(false);
    expect(matchesAll([{ name: 'entity', op: '!~', value: 'db-.*' }, { name: 'environment', op: '=', value: 'prod' }], attrs)).toBe(true);
    expect(matchesAll([{ name: 'team', op: '=~', value: '|ops' }], attrs)).toBe(true);
    expect(matchesAll([{ name: 'team', op: '!=', value: '' }], attrs)).toBe(false);
  });

  it('take RE2 syntax, as Alertmanager and Prometheus do: backreferences and lookarounds are refused', () => {
    expect(checkMatcher({ name: 'entity', op: '=~', value: '(?i)WEB-[0-9]+' }, 'm')).toEqual({ name: 'entity', op: '=~', value: '(?i)WEB-[0-9]+' });
    expect(() => checkMatcher({ name: 'entity', op: '=~', value: '(a)\\1' }, 'matchers[0]')).toThrow(/matchers\[0\]\.value: not a valid regular expression/);
    expect(() => checkMatcher({ name: 'entity', op: '=~', value: 'web(?=-1)' }, 'matchers[0]')).toThrow(/not a valid regular expression/);
  });

  it('match a pathological pattern in linear time: (a+)+b against 5,000 a\'s and a !', async () => {
    // In its own process, so that a backtracking engine (exponential here: 2^5000 paths) shows
    // as a child that never answers and is ended at the bound, not as a test run that hangs.
    const code = `
      const { matchesAll } = await import('./src/lib/incident-records/matchers.ts');
      const entity = 'a'.repeat(5000) + '!';
      const hit = matchesAll([{ name: 'entity', op: '=~', value: '(a+)+b' }], { entity });
      const miss = matchesAll([{ name: 'entity', op: '!~', value: '(a|aa)+$' }], { entity });
      console.log(JSON.stringify({ hit, miss }));`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { timeout: 60_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`the matcher did not answer (${err.message}; signal ${String((err as { signal?: string }).signal)}): ${stderr}`)) : resolve(stdout),
      );
    });
    expect(JSON.parse(out)).toEqual({ hit: false, miss: true });
  });
});
