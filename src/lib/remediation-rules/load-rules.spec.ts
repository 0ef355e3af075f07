import { describe, expect, it } from 'vitest';
import { loadFile } from './load-rules.js';

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;

function load(text: string) {
  const problems: string[] = [];
  const rules = loadFile('r.yaml', text, { env: { S: SECRET } }, problems);
  return { rules, problems };
}

describe('remediation rule files', () => {
  it('reads match, actions and guardrails; an action overrides its rule', () => {
    const { rules, problems } = load(`rules:
  - name: r1
    match: { entity: "web-*", severity: [critical] }
    guardrails: { cooldown: 10m, rate_limit: { max: 3, per: 1h }, approval: { required: true } }
    actions:
      - name: a
        webhook: { url: "https://x.example/hook", secret_env: S, format: alertmanager, timeout: 2s }
        guardrails: { approval: { required: false } }
`);
    expect(problems).toEqual([]);
    const a = rules[0]!.actions[0]!;
    expect(a.guardrails).toEqual({ cooldown_ms: 600_000, rate_limit: { max: 3, per_ms: 3_600_000 }, approval: { required: false } });
    expect(a.timeout_ms).toBe(2000);
    expect(a.secrets).toEqual([SECRET]);
    expect(rules[0]!.line).toBe(2);
  });

  it('points at the line of the mistake', () => {
    expect(load(`rules:\n  - name: r1\n    match: {}\n    actions:\n      - name: a\n        webhook: { url: "ftp://x", secret_env: S }\n`).problems[0]).toMatch(/^r\.yaml:6:\d+: rules\[0\]\.actions\[0\]\.webhook\.url: must be an http:\/\/ or https:\/\/ URL/);
    expect(load(`rules:\n  - name: r1\n    match: {}\n    actions:\n      - name: a\n        webhook: { url: "http://x", format: xml, secret_env: S }\n`).problems[0]).toMatch(/^r\.yaml:6:\d+: .*format: must be one of vigil, alertmanager, template/);
    expect(load(`rules:\n  - name: r1\n    match: {}\n    actions:\n      - name: a\n        webhook: { url: "http://x", format: template, secret_env: S }\n`).problems[0]).toMatch(/^r\.yaml:6:\d+: format template needs a body/);
    expect(load(`rules:\n  - name: r1\n    match: {}\n    actions:\n      - name: a\n        webhook: { url: "http://x" }\n`).problems[0]).toMatch(/secret_env is required/);
  });

  it('a dry-run action may go without a secret', () => {
    const { rules, problems } = load(`rules:\n  - name: r1\n    match: {}\n    guardrails: { dry_run: true }\n    actions:\n      - name: a\n        webhook: { url: "http://x" }\n`);
    expect(problems).toEqual([]);
    expect(rules[0]!.actions[0]!.ephemeralSecret).toBe(true);
  });
});
