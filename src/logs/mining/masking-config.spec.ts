import { describe, expect, it } from 'vitest';
import { loadLoghub } from '../eval/loghub-dataset.js';
import { evaluateParsing } from '../eval/parse-eval.js';
import { DEFAULT_MASK_PATTERNS, Masker } from './masking.js';
import { loadMaskingConfig, parseMaskingConfig } from './masking-config.js';
import { TemplateMiner } from './template-miner.js';
import { dataSet } from '../../../test/support/data.js';


/** Real-looking lines and the sensitive values each holds (none may survive). */
const SENSITIVE: Array<[string, string[]]> = [
  ['Accepted password for root from 203.0.113.45 port 52211 ssh2', ['203.0.113.45']],
  ['Failed password for invalid user admin from 2001:db8:0:1::7 port 4022 ssh2', ['2001:db8:0:1::7']],
  ['listen on [::1]:8080 and fe80::a00:27ff:fe4e:66a1%eth0', ['::1', 'fe80::a00:27ff:fe4e:66a1']],
  ['POST /api/v1/login user=jane.roe@payments.example.com status=401', ['jane.roe@payments.example.com']],
  ['GET /orders Authorization: Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl-_x 200', ['eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9', 'c2lnbmF0dXJl']],
  ['upstream auth header "Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l" rejected', ['YWxhZGRpbjpvcGVuc2VzYW1l']],
  ['boto: using AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE secret_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', ['AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']],
  ['db connect postgres://app@db-1 password=Tr0ub4dor&3 timeout=5s', ['Tr0ub4dor']],
  ['config loaded: {"client_secret": "9d8f7e6c5b4a", "retries": 3}', ['9d8f7e6c5b4a']],
  ['webhook signed with key 3f2a9c4b1d7e8f60a1b2c3d4e5f60718293a4b5c6d7e8f90 ok', ['3f2a9c4b1d7e8f60a1b2c3d4e5f60718293a4b5c6d7e8f90']],
  ['session JSESSIONID=A1B2C3D4E5F6G7H8 expired for 10.20.30.40', ['A1B2C3D4E5F6G7H8', '10.20.30.40']],
  ['trace 550e8400-e29b-41d4-a716-446655440000 order 98234719 card 5500005555555559', ['550e8400-e29b-41d4-a716-446655440000', '98234719', '5500005555555559']],
  ['slack notify token xoxb-2841-77213-AbCdEfGhIjKlMn failed', ['xoxb-2841-77213-AbCdEfGhIjKlMn']],
];

describe('masking configuration', () => {
  it('the rules file loads: its own patterns first, then every built-in', () => {
    const config = loadMaskingConfig({});
    expect(config.source).toBe('rules/logs/masking.yaml');
    const names = config.patterns.map((p) => p.name);
    expect(names.slice(0, 2)).toEqual(['session-cookie', 'vendor-token']);
    expect(names.slice(2)).toEqual(DEFAULT_MASK_PATTERNS.map((p) => p.name));
  });

  it.each(SENSITIVE)('nothing sensitive survives mining %j', (line, secrets) => {
    const miner = new TemplateMiner({ maskPatterns: loadMaskingConfig({}).patterns });
    const mined = miner.add(line);
    const published = JSON.stringify({ mined, snapshot: miner.toJSON() });
    for (const s of secrets) expect(published).not.toContain(s);
    expect(mined.masked).toMatch(/<(IP|EMAIL|TOKEN|SECRET|NUM|ID|HEX)>/);
  });

  it('uses typed placeholders', () => {
    const masker = new Masker(loadMaskingConfig({}).patterns);
    expect(masker.mask('from 10.0.0.1 by ops@example.org id 550e8400-e29b-41d4-a716-446655440000 n 12345678')).toBe('from <IP> by <EMAIL> id <ID> n <NUM>');
  });

  it('disables built-ins by name, adds patterns from the environment, and can drop all defaults only when told', () => {
    const c = parseMaskingConfig('disable: [mac]\npatterns:\n  - {name: ticket, regex: "TICKET-\\\\d+", replacement: "<ID>"}\n', 'm.yaml');
    expect(c.patterns.map((p) => p.name)).not.toContain('mac');
    expect(new Masker(c.patterns).mask('TICKET-42 nic 00:1A:2B:3C:4D:5E')).toBe('<ID> nic 00:1A:2B:3C:4D:5E');
    expect(parseMaskingConfig('defaults: false', 'm.yaml').patterns).toEqual([]);
    const env = loadMaskingConfig({ LOGS_MASK_PATTERNS: JSON.stringify([{ name: 'emp', regex: 'EMP\\d{4}', replacement: '<ID>' }]) });
    expect(new Masker(env.patterns).mask('EMP1234 from 10.1.1.1')).toBe('<ID> from <IP>');
  });

  it('refuses a bad file with its name and the problem', () => {
    expect(() => parseMaskingConfig('patterns:\n  - {name: x, regex: "(", replacement: "<X>"}', 'bad.yaml')).toThrow(/bad.yaml: patterns\[0\] \(x\): invalid regex/);
    expect(() => parseMaskingConfig('patterns:\n  - {name: e, regex: "a*", replacement: "<X>"}', 'bad.yaml')).toThrow(/matches the empty string/);
    expect(() => parseMaskingConfig('disable: [nope]', 'bad.yaml')).toThrow(/no built-in pattern named nope/);
    expect(() => parseMaskingConfig('pattern: []', 'bad.yaml')).toThrow(/bad.yaml: pattern: unknown key/);
    expect(() => loadMaskingConfig({ LOGS_MASKING_FILE: '/nonexistent/masking.yaml' })).toThrow(/no such file/);
  });

  it('keeps parse-eval above the goal with the configured masks on (mean > 0.865, none < 0.70)', () => {
    const report = evaluateParsing(loadLoghub(dataSet('logs/loghub-2k')), { maskPatterns: loadMaskingConfig({}).patterns });
    expect(report.systems).toHaveLength(16);
    expect(report.meanAccuracy).toBeGreaterThan(0.865);
    expect(report.minAccuracy).toBeGreaterThanOrEqual(0.7);
  });
});
