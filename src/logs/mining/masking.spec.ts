import { describe, expect, it } from 'vitest';
import { DEFAULT_MASK_PATTERNS, Masker } from './masking.js';
import { TemplateMiner } from './template-miner.js';

describe('Masker (privacy)', () => {
  const masker = new Masker();

  it.each([
    ['login from 10.1.2.33 port 22', 'login from <IP> port 22'],
    ['peer [fe80::1ff:fe23:4567:890a] down', 'peer [<IP>] down'],
    ['bind 2001:0db8:85a3:0000:0000:8a2e:0370:7334 ok', 'bind <IP> ok'],
    ['mail to jane.doe+ops@example.co.uk bounced', 'mail to <EMAIL> bounced'],
    ['Authorization: Bearer abcDEF123.456-xyz_789~ok', 'Authorization: Bearer <TOKEN>'],
    ['password=hunter2 user=bob', 'password=<SECRET> user=bob'],
    ['"api_key": "sk_live_51Hx9"', '"api_key": <SECRET>'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc123_-x', 'jwt <TOKEN>'],
    ['key AKIAIOSFODNN7EXAMPLE used', 'key <TOKEN> used'],
    ['sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'sha <HEX>'],
    ['secret blob dGhpc0lzQVNlY3JldEtleTEyMzQ1Njc4OTA= end', 'secret blob <TOKEN> end'],
    ['card 4111111111111111 charged', 'card <NUM> charged'],
    ['request 123e4567-e89b-12d3-a456-426614174000 done', 'request <ID> done'],
    ['nic 00:1A:2B:3C:4D:5E up', 'nic <MAC> up'],
  ])('masks %j', (line, expected) => {
    expect(masker.mask(line)).toBe(expected);
  });

  it('leaves ordinary words, clock times, versions and small numbers alone', () => {
    const line = 'Started worker 3 at 16:13:38 with libfoo 1.2.3 in /usr/lib';
    expect(masker.mask(line)).toBe(line);
  });

  it('counts replacements per pattern', () => {
    const m = new Masker();
    m.mask('a 10.0.0.1 b 10.0.0.2 c bob@example.com');
    expect(m.counts.get('ipv4')).toBe(2);
    expect(m.counts.get('email')).toBe(1);
  });

  it('accepts operator patterns, with $n kept from the match', () => {
    const m = new Masker([...DEFAULT_MASK_PATTERNS, { name: 'ssn', regex: String.raw`\b(ssn=)\d{3}-\d{2}-\d{4}\b`, replacement: '$1<SSN>' }]);
    expect(m.mask('ssn=123-45-6789 ok')).toBe('ssn=<SSN> ok');
  });

  it('nothing sensitive survives the miner: templates, events, parameters and snapshots', () => {
    const miner = new TemplateMiner();
    const secrets = ['10.9.8.7', 'alice@corp.example', 'Bearer s3cr3tT0kenValue99', 'password=letmein', '4556737586899855'];
    const lines = [
      'user alice@corp.example logged in from 10.9.8.7',
      'user bob@corp.example logged in from 10.9.8.8',
      'call with Authorization: Bearer s3cr3tT0kenValue99 failed',
      'db connect password=letmein refused',
      'charge card 4556737586899855 declined',
    ];
    const outputs = lines.map((l) => miner.add(l));
    const published = JSON.stringify({ outputs, snapshot: miner.toJSON() });
    for (const s of secrets) expect(published).not.toContain(s.replace('Bearer ', ''));
    expect(outputs[0]!.masked).toBe('user <EMAIL> logged in from <IP>');
  });
});
