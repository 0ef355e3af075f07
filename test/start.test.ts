import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { brokers, kafkaBus } from './support/kafka.js';
import { VigilProcess } from './support/vigil-process.js';
import { freePorts } from '../src/platform/kafka/local-broker.js';

/** Bound on each wait: only a hang should reach it. */
const WAIT_MS = 120_000;
const metric = (text: string, line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('vigil start', () => {
  let vigil: VigilProcess | undefined;
  afterEach(async () => {
    await vigil?.stop();
    vigil = undefined;
  });

  it('runs the embedded default with no broker: demo events flow, the faulty host is detected, probes and metrics answer, SIGTERM exits cleanly', async () => {
    const [port] = await freePorts(1);
    const url = `http://127.0.0.1:${port}`;
    const v = (vigil = new VigilProcess(['start', '--port', String(port)], { KAFKA_BROKERS: '' }));
    await v.until(async () => (await fetch(`${url}/health/ready`).catch(() => undefined))?.ok === true, WAIT_MS, 'readiness');
    expect(await (await fetch(`${url}/health/live`)).json()).toEqual({ status: 'ok' });
    await v.until(() => v.output.includes('[Flow] last 10 s: telemetry.metrics'), WAIT_MS, 'the flow log');
    // The demo's first fault starts 30 s in, after 10 minutes of back-dated history, and is gross
    // (latency and errors a hundred times their noise): the detector flags the host.
    await v.until(() => /anomaly demo-host-00 /.test(v.output), WAIT_MS, 'a detection of demo-host-00');
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(metric(text, 'vigil_records_consumed_total{service="demo-tap",topic="telemetry.metrics"}')).toBeGreaterThan(0);
    expect(text).toMatch(/^vigil_service_up\{service="demo-tap",bus="memory"\} 1$/m);
    expect(await vigil.stop()).toBe(0);
    expect(vigil.output).toMatch(/stopping \d+ consumers on SIGTERM/);
  }, 3 * WAIT_MS);

  it('uses Kafka when KAFKA_BROKERS is set: applies the topics and the demo stream goes through the broker', async () => {
    const [port] = await freePorts(1);
    const v = (vigil = new VigilProcess(['start', 'demo', 'detector', '--port', String(port)], { KAFKA_BROKERS: brokers(), VIGIL_DEMO: 'true', VIGIL_GROUP_PREFIX: `start-${Date.now()}` }));
    await v.until(() => v.output.includes('[Flow] last 10 s: telemetry.metrics'), WAIT_MS, 'the flow log');
    // The HTTP server listens once every service has joined its consumer group.
    await v.until(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.ok === true, WAIT_MS, 'readiness');
    const bus = kafkaBus();
    const ends = await bus.endOffsets('telemetry.metrics');
    await bus.disconnect();
    expect(ends.length).toBe(12);
    expect(ends.reduce((n, e) => n + Number(e.offset), 0)).toBeGreaterThan(0);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toMatch(/^vigil_service_up\{service="demo-tap",bus="kafka"\} 1$/m);
    expect(await vigil.stop()).toBe(0);
  }, 3 * WAIT_MS);

  it('embedded, started again on the same state: restores every demo host, flags the injected fault and no healthy host', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'vigil-restart-state-'));
    const start = async () => {
      const [port] = await freePorts(1);
      const v = (vigil = new VigilProcess(['start', '--port', String(port)], { KAFKA_BROKERS: '', VIGIL_STATE_DIR: stateDir }));
      await v.until(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.ok === true, WAIT_MS, 'readiness');
      return { v, metrics: async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text() };
    };
    try {
      // First run: the demo's ten minutes of history scored, then a stop before its first fault
      // (30 s after the start): what the detector learned is checkpointed at the stop.
      const first = await start();
      // Scored in total, and every host scored (partitions are consumed side by side: on a busy
      // machine one may lag, and a host never scored has no state to hand over).
      const scoredHosts = (text: string) => new Set([...text.matchAll(/^vigil_detector_score\{entity="(demo-host-\d+)"\} /gm)].map((m) => m[1])).size;
      await first.v.until(
        async () => {
          const text = await first.metrics();
          return metric(text, 'vigil_detector_steps_scored_total') >= 12 * 500 && scoredHosts(text) === 12;
        },
        WAIT_MS,
        'the history scored, on every host',
      );
      expect(await first.v.stop()).toBe(0);
      expect(first.v.output).toMatch(/aiops\.detector-state: file under /);
      expect(first.v.output).not.toMatch(/injecting a fault/);

      // Second run: every host taken over from its checkpoint, none learning from scratch; the
      // only host flagged is the faulty one (a cold or confused detector flags healthy ones).
      const second = await start();
      await second.v.until(() => /anomaly demo-host-00 /.test(second.v.output), WAIT_MS, 'a detection of demo-host-00');
      // No batch is scored before its partition's restore has finished and said so (readiness
      // alone does not wait for it): by the first detection every host was taken over.
      const restores = second.v.output.match(/\[Detector\] .*restored.*/g) ?? [];
      expect(restores.join('\n')).toMatch(/12 entities of partition\(s\) [\d, ]+ restored/);
      const flagged = [...second.v.output.matchAll(/anomaly (demo-host-\d+) /g)].map((m) => m[1]);
      expect(new Set(flagged)).toEqual(new Set(['demo-host-00']));
      expect(await second.v.stop()).toBe(0);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 4 * WAIT_MS);
});
