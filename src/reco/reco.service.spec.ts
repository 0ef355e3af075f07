import { describe, expect, it } from 'vitest';
import { RecoService } from './reco.service.js';

describe('RecoService', () => {
  function seeded(): RecoService {
    const service = new RecoService({ k: 2, recommender: { l2: 1, refitEvery: 0 } });
    let t = 0;
    for (let u = 0; u < 10; u++) for (const item of u % 2 ? ['a', 'b', 'c'] : ['d', 'e']) service.onInteraction({ user: `u${u}`, item, timestamp: t++ });
    service.recommender.fit();
    return service;
  }

  it('replies only when asked, with a list that already reflects the interaction', () => {
    const service = seeded();
    expect(service.onInteraction({ user: 'x', item: 'a', timestamp: 100 })).toBeUndefined();
    const reply = service.onInteraction({ id: 'evt-7', user: 'x', item: 'b', timestamp: 101, respond: true });
    expect(reply).toEqual({
      id: 'evt-7/reco',
      user: 'x',
      timestamp: 101,
      model_version: 'ease-1',
      items: [expect.objectContaining({ item: 'c' }), expect.objectContaining({ item: expect.any(String) })],
    });
    expect(reply!.items.map((i) => i.item)).not.toContain('b');
  });

  it('gives a redelivered interaction the same reply id and list', () => {
    const service = seeded();
    const message = { user: 'y', item: 'd', timestamp: 200, respond: true };
    const first = service.onInteraction(message);
    expect(service.onInteraction(message)).toEqual(first);
    expect(first!.id).toBe('y/d/200/reco');
  });

  it('serves popularity before any fit', () => {
    const service = new RecoService({ recommender: { refitEvery: 0 } });
    service.onInteraction({ user: 'a', item: 'p', timestamp: 1 });
    expect(service.topK('b', 5, 10)).toEqual({ id: 'b/10/reco', user: 'b', timestamp: 10, model_version: 'popularity', items: [{ item: 'p', score: 1 }] });
  });

  it('ranks remediation actions from remediation records', () => {
    const service = new RecoService();
    const incident = { fingerprint: 'f', labels: { alertname: 'DiskFull' } };
    expect(service.onRemediation({ incident_id: 'i1', action_id: 'a1', action: 'restart', timestamp: 1, decision: 'planned' }, incident)).toBe(false);
    service.onRemediation({ incident_id: 'i1', action_id: 'a1', action: 'restart', timestamp: 2, decision: 'failed' }, incident);
    service.onRemediation({ incident_id: 'i1', action_id: 'a2', action: 'clean-logs', timestamp: 3, decision: 'verified' }, incident);
    expect(service.rankActions(incident).map((a) => a.action)).toEqual(['clean-logs', 'restart']);
  });
});
