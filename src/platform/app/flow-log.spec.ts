import { describe, expect, it } from 'vitest';
import { FlowLog, type ConsumedCount } from './flow-log.js';

describe('the flow log without the demo', () => {
  it('prints per topic the records its consumers read since the last line (the most any one read); nothing while nothing flows', async () => {
    const lines: string[] = [];
    let counts: ConsumedCount[] = [];
    const log = new FlowLog((l) => lines.push(l), async () => counts);
    await log.tick();
    counts = [
      { service: 'detector', topic: 'telemetry.metrics', value: 960 },
      { service: 'predictor', topic: 'telemetry.metrics', value: 900 },
      { service: 'incidents', topic: 'aiops.anomalies', value: 0 },
    ];
    await log.tick();
    counts = [
      { service: 'detector', topic: 'telemetry.metrics', value: 1920 },
      { service: 'predictor', topic: 'telemetry.metrics', value: 1920 },
      { service: 'incidents', topic: 'aiops.anomalies', value: 2 },
    ];
    await log.tick();
    await log.tick();
    expect(lines).toEqual(['last 10 s: telemetry.metrics 960 records', 'last 10 s: telemetry.metrics 1020 records; aiops.anomalies 2 records']);
  });
});
