import { describe, expect, it } from 'vitest';
import { rulesDir } from './incidents-harness.js';
import { until } from './support/until.js';
import { VigilProcess } from './support/vigil-process.js';

/** The start fails, before any consumer runs, when a rule file has a mistake: file, line and what. */
async function startWith(files: Record<string, string>): Promise<{ code: number | null; output: string; dir: string }> {
  const dir = await rulesDir(files);
  const vigil = new VigilProcess(['start', 'remediation', '--port', '0'], { VIGIL_DEMO: 'false', KAFKA_BROKERS: '', INCIDENTS_RULES_DIR: dir.dir, GOOD_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}` });
  try {
    await until(() => vigil.child.exitCode !== null, 30_000, 'vigil to exit');
    return { code: vigil.child.exitCode, output: vigil.output, dir: dir.dir };
  } finally {
    await vigil.stop();
    await dir.remove();
  }
}

const GOOD = `rules:
  - name: ok
    match: { entity: "a-*" }
    actions:
      - name: run
        webhook: { url: "http://localhost:1/x", secret_env: GOOD_SECRET }
`;

describe('remediation rule files are checked at start', () => {
  it('a wrong value: the start fails naming the file, the line and what is wrong', async () => {
    const r = await startWith({
      'a-good.yaml': GOOD,
      'b-bad.yaml': `rules:
  - name: restart
    match: { entity: "b-*" }
    guardrails:
      cooldown: 10 minutes
    actions:
      - name: run
        webhook: { url: "http://localhost:1/x", secret_env: GOOD_SECRET }
`,
    });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(new RegExp(`${r.dir}/b-bad\\.yaml:5:\\d+: rules\\[0\\]\\.guardrails\\.cooldown: is not a duration`));
  });

  it('an unknown key, a missing secret and broken YAML are each reported with their line', async () => {
    const r = await startWith({
      'c.yaml': `rules:
  - name: restart
    match: { entity: "c-*" }
    actions:
      - name: run
        webhook:
          url: "http://localhost:1/x"
          secret_env: NOT_SET_ANYWHERE
`,
      'd.yaml': `rules:
  - name: other
    matcher: { entity: "d-*" }
    actions: []
`,
      'e.yaml': `rules:\n  - name: broken\n    match: { entity: "e-*"\n`,
    });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(new RegExp(`${r.dir}/c\\.yaml:8:\\d+: secret_env NOT_SET_ANYWHERE is not set`));
    expect(r.output).toMatch(new RegExp(`${r.dir}/d\\.yaml:3:5: rules\\[0\\]\\.matcher: unknown key`));
    expect(r.output).toMatch(new RegExp(`${r.dir}/e\\.yaml:\\d+:\\d+: `));
  });
});
