import { describe, expect, it } from 'vitest';
import { renderTemplate } from './body.js';

describe('body templates', () => {
  it('replaces placeholders in strings and keeps whole values whole', () => {
    const ctx = { incident: { entity: 'web-1', score: 0.9, labels: { a: 'b' } } };
    expect(renderTemplate({ host: '{{ incident.entity }}', why: 'score {{incident.score}} on {{ incident.entity }}', labels: '{{ incident.labels }}', n: 3, missing: '{{ nope.x }}' }, ctx)).toEqual({
      host: 'web-1',
      why: 'score 0.9 on web-1',
      labels: { a: 'b' },
      n: 3,
      missing: '',
    });
  });
});
