import { afterEach, describe, expect, it } from 'vitest';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import { VigilProcess } from './support/vigil-process.js';

describe('incidents on the embedded default (no broker, no database)', () => {
  let vigil: VigilProcess | undefined;
  afterEach(async () => {
    await vigil?.stop();
    vigil = undefined;
  });

  it('the demo stream goes wrong, an incident opens, the shipped example rule logs the signed request it would send', async () => {
    const [port] = await freePorts(1);
    // The services the loop needs, on the in-process bus with the demo stream, as `npm start` runs them.
    vigil = new VigilProcess(['start', 'demo', 'detector', 'incidents', 'remediation', '--port', String(port)], { KAFKA_BROKERS: '', VIGIL_DATABASE_URL: '', PGHOST: '', PGDATABASE: '' });
    await vigil.until(() => vigil!.output.includes('incidents kept IN MEMORY'), 120_000, 'the in-memory store');
    await vigil.until(() => /DRY RUN \(rule restart-on-latency dry_run\)/.test(vigil!.output), 180_000, 'the dry-run of the example rule');
    const out = vigil.output;
    const opened = /incident (\S+) on (demo-host-\d+) opened/.exec(out);
    expect(opened).not.toBeNull();
    const dry = out.slice(out.indexOf('DRY RUN (rule restart-on-latency dry_run)'));
    expect(dry).toContain(`for incident ${opened![1]} on ${opened![2]}: would send`);
    expect(dry).toContain('POST http://localhost:9000/hooks/restart');
    expect(dry).toMatch(/webhook-id: [0-9a-f-]{36}/);
    expect(dry).toMatch(/webhook-timestamp: \d{10}/);
    expect(dry).toMatch(/webhook-signature: v1,[A-Za-z0-9+/]{43}=/);
    expect(dry).toContain(`"host":"${opened![2]}"`);
    expect(dry).toContain('signed with a throwaway secret: no secret configured in VIGIL_RUNBOOK_SECRET');
    const incidents = (await (await fetch(`http://127.0.0.1:${port}/incidents`)).json()) as { incidents: Array<{ id: string }> };
    expect(incidents.incidents.map((i) => i.id)).toContain(opened![1]);
  }, 360_000);
});
