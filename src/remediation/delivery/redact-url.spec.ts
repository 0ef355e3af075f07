import { describe, expect, it } from 'vitest';
import { withoutSecrets, withoutUrlSecrets } from './redact-url.js';

describe('withoutSecrets', () => {
  it('drops user and password, replaces every query value, drops the fragment; keeps origin and path', () => {
    expect(withoutSecrets('https://bob:hunter2@hooks.example.com:8443/a/b?token=s3cret&x=1&x=2#frag')).toBe('https://hooks.example.com:8443/a/b?token=redacted&x=redacted');
    expect(withoutSecrets('http://127.0.0.1:9000/hooks/restart')).toBe('http://127.0.0.1:9000/hooks/restart');
    expect(withoutSecrets('not a url')).toBe('[unparseable url]');
  });
});

describe('withoutUrlSecrets', () => {
  it('replaces the raw URL wherever it appears in a message', () => {
    const url = 'https://bob:pw@hooks.example/x?token=s3cret';
    expect(withoutUrlSecrets(`Request cannot be constructed from a URL that includes credentials: ${url}`, url)).toBe(
      'Request cannot be constructed from a URL that includes credentials: https://hooks.example/x?token=redacted',
    );
    expect(withoutUrlSecrets('HTTP 503', url)).toBe('HTTP 503');
  });
});
