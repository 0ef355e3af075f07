import { afterAll, describe, expect, it } from 'vitest';
import type { BusRecord, OutRecord } from '../src/platform/bus/types.js';
import { rmSync } from 'node:fs';
import { KafkaBus } from '../src/platform/kafka/kafka-bus.js';
import { LocalBroker, freePorts } from '../src/platform/kafka/local-broker.js';
import { loadCatalogue } from '../src/platform/streams/catalogue.js';
import { hostilePayloads, json } from './support/hostile-payloads.js';
import { until } from './support/until.js';
import { VigilProcess } from './support/vigil-process.js';

/** Hostile values for any input topic: none is a valid record of any Vigil schema. */
function hostile(): Array<{ name: string; value: Buffer }> {
  return [
    ...hostilePayloads(),
    { name: 'huge string', body: json({ entity: 'x'.repeat(600_000), metric: 'm', timestamp: 1, value: 1 }) },
    { name: 'wrong types', body: json({ entity: 42, metric: ['m'], timestamp: '2026-01-01', value: 'high', user: {}, amount: 'ten' }) },
    { name: 'unknown fields only', body: json({ surprise: true, __proto__: { polluted: true } }) },
    { name: 'JSON array', body: json([1, 2, 3]) },
    { name: 'empty', body: Buffer.alloc(0) },
  ].map(({ name, body }) => ({ name, value: body }));
}

const metricValue = (text: string, name: string, labels: string) =>
  [...text.matchAll(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'gm'))].reduce((s, m) => s + Number(m[1]), 0);

/**
 * Every input topic that the default `vigil start` consumes gets the same hostile records. Each
 * one must come out on the topic's dead-letter twin with a reason, written by the topic's owner of
 * dead letters (`deadLetteredBy`; every consuming service where there is none) and by no other
 * service, the process must stay up and ready, and the drops must show in the metrics (dead
 * letters for the owner, skipped records for the others).
 */
describe('fuzzing every input topic', () => {
  let vigil: VigilProcess | undefined;
  // A broker of its own: the hostile records must not reach other tests' readers of the same topics.
  let broker: LocalBroker | undefined;
  afterAll(async () => {
    await vigil?.stop();
    await broker?.stop();
    if (broker) rmSync(broker.dir, { recursive: true, force: true });
  });

  it('dead-letters malformed and hostile records with a reason on every consumed topic, and keeps running', async () => {
    const [port, kafkaPort, controllerPort] = await freePorts(3);
    broker = new LocalBroker({ dir: `.vigil/test-kafka-fuzz-${process.pid}`, port: kafkaPort!, controllerPort: controllerPort!, log: () => {} });
    await broker.start(120_000);
    const url = `http://127.0.0.1:${port}`;
    vigil = new VigilProcess(['start', '--port', String(port)], { KAFKA_BROKERS: broker.bootstrap, VIGIL_DEMO: 'false', VIGIL_GROUP_PREFIX: `fuzz-${Date.now()}` });
    await until(async () => (await fetch(`${url}/health/ready`).catch(() => undefined))?.ok === true, 90_000, 'readiness');

    // Which service consumes which topic: every stage registers its counters at 0 when it starts.
    const catalogue = loadCatalogue();
    /** Who dead-letters a topic's unreadable records: its deadLetteredBy (if it runs here), else every consumer. */
    const writers = (topic: string, services: Set<string>) => {
      const owner = catalogue.get(topic).deadLetteredBy;
      return owner === undefined ? services : new Set([...services].filter((s) => s === owner));
    };
    const before = await (await fetch(`${url}/metrics`)).text();
    const consumers = new Map<string, Set<string>>();
    for (const m of before.matchAll(/^vigil_records_consumed_total\{service="([^"]+)",topic="([^"]+)"\}/gm)) {
      const [, service, topic] = m;
      if (!catalogue.topics.get(topic!)?.dlq) continue;
      consumers.set(topic!, (consumers.get(topic!) ?? new Set()).add(service!));
    }
    expect(consumers.has('telemetry.metrics')).toBe(true);
    expect(consumers.has('risk.transactions')).toBe(true);

    const key = `fuzz-${Date.now()}`;
    const payloads = hostile();
    const bus = new KafkaBus({ clientId: 'fuzz', brokers: [broker.bootstrap], logLevel: 1 });
    await bus.connect();
    try {
      const records: OutRecord[] = [...consumers.keys()].flatMap((topic) =>
        payloads.map((p) => ({ topic, key, value: p.value, headers: { 'fuzz-case': p.name } })),
      );
      await bus.send(records);

      // Each (topic, case) dead-lettered by the topic's owner (at least once: a batch replayed
      // after a rebalance dead-letters its records again), and by no other consumer.
      const wanted = [...consumers].flatMap(([topic, services]) => [...writers(topic, services)].flatMap((service) => payloads.map((p) => `${topic}|${service}|${p.name}`)));
      const dead: BusRecord[] = [];
      const seen = new Set<string>();
      const subs = await Promise.all(
        [...consumers.keys()].map((topic) =>
          bus.subscribe({ groupId: `fuzz-reader-${key}-${topic}`, topics: [`${topic}.dlq`], fromBeginning: true }, async (batch, control) => {
            for (const d of batch.records.filter((r) => r.key?.toString() === key)) {
              dead.push(d);
              seen.add(`${d.headers['vigil-dlq-topic']}|${d.headers['vigil-dlq-service']}|${d.headers['fuzz-case']}`);
            }
            await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
          }),
        ),
      );
      await until(() => wanted.every((w) => seen.has(w)), 120_000, 'every dead letter').catch(() => {});
      await Promise.all(subs.map((s) => s.stop()));
      expect(wanted.filter((w) => !seen.has(w))).toEqual([]);
      expect([...seen].filter((w) => !wanted.includes(w))).toEqual([]);
      for (const d of dead) {
        expect(d.headers['vigil-dlq-reason']).toMatch(/^(invalid_json|schema|oversize|rejected)$/);
        expect(d.headers['vigil-dlq-error']?.length).toBeGreaterThan(0);
      }
      console.log(`fuzz: ${payloads.length} hostile records on each of ${consumers.size} topics (${[...consumers.keys()].join(', ')}); ${dead.length} dead letters (${wanted.length} expected, the rest replays), all with a reason`);
    } finally {
      await bus.disconnect();
    }

    // Still up, still ready, and every drop counted.
    expect(vigil.child.exitCode).toBeNull();
    expect((await fetch(`${url}/health/ready`)).ok).toBe(true);
    const after = await (await fetch(`${url}/metrics`)).text();
    for (const [topic, services] of consumers) {
      const owners = writers(topic, services);
      for (const service of services) {
        const counter = owners.has(service) ? 'vigil_records_dead_lettered_total' : 'vigil_records_skipped_total';
        expect(metricValue(after, counter, `service="${service}",topic="${topic.replace(/\./g, '\\.')}",reason="[^"]+"`)).toBeGreaterThanOrEqual(payloads.length);
      }
    }
  });
});
