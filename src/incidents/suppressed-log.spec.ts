import { describe, expect, it } from 'vitest';
import { SuppressedLog } from './suppressed-log.js';
import type { Finding } from './types.js';

const finding = (id: string, entity = 'web-1'): Finding => ({ id, entity, timestamp: 1, kind: 'metric_anomaly', source: 'anomalies', score: 1, labels: {}, fingerprint: 'f', title: 't' });

describe('the log line of a suppressed finding', () => {
  it('names the silence; then at most one line a minute per silence and entity, with the count in between', () => {
    const lines: string[] = [];
    let now = 0;
    const log = new SuppressedLog((l) => lines.push(l), 60_000, () => now);
    log.note(finding('f1'), 'silenced:s-1');
    log.note(finding('f2'), 'silenced:s-1');
    log.note(finding('f3'), 'silenced:s-1');
    log.note(finding('f4', 'web-2'), 'inhibited:host_down@rack-1');
    now = 61_000;
    log.note(finding('f5'), 'silenced:s-1');
    expect(lines).toEqual([
      'finding f1 (metric_anomaly) on web-1 silenced by s-1: no incident',
      'finding f4 (metric_anomaly) on web-2 inhibited by a live host_down@rack-1: no incident',
      'finding f5 (metric_anomaly) on web-1 silenced by s-1: no incident (and 2 more on web-1 since the last line)',
    ]);
  });
});
