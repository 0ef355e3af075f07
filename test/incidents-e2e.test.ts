import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import { actionsOf, anomaly, firstWebhook, freshSchema, incidentsOf, newSecret, Receiver, rulesDir, startIncidents, type Api, type IncidentJson } from './incidents-harness.js';
import { kafkaBus } from './support/kafka.js';
import { until } from './support/until.js';
import type { VigilProcess } from './support/vigil-process.js';

const SECRET = newSecret();

/** Bound on each wait: only a hang should reach it. */
const WAIT_MS = 60_000;
/** How many findings the test appends for its entity (the threshold opens the incident at the first). */
const FINDINGS = 3;

/** Collects a topic's records for one entity from the start. */
async function collect(bus: Bus, topic: string, keep: (v: Record<string, unknown>) => boolean): Promise<{ got: Array<Record<string, unknown>>; stop: () => Promise<void> }> {
  const got: Array<Record<string, unknown>> = [];
  const sub = await bus.subscribe({ groupId: `reader-${topic}-${Date.now()}`, topics: [topic], fromBeginning: true }, async (batch, control) => {
    for (const r of batch.records) {
      const v = JSON.parse(r.value!.toString('utf8')) as Record<string, unknown>;
      if (keep(v)) got.push(v);
    }
    await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
  });
  return { got, stop: () => sub.stop() };
}

/**
 * Findings → incident → rule → signed webhook → verification → ranking → false positive, through
 * Kafka, PostgreSQL and a real receiver. The test appends the findings to aiops.anomalies itself,
 * as the detector would: what the detector flags is its own tests' and the offline evaluation's
 * business, and this one then knows exactly which findings there are.
 */
describe('incidents end to end: findings → incident → rule → signed webhook (Kafka, PostgreSQL, a real receiver)', () => {
  let vigil: VigilProcess;
  let api: Api;
  let bus: Bus;
  let receiver: Receiver;
  const cleanup: Array<() => Promise<void>> = [];
  const entity = `synthetic-${Date.now().toString(36)}`;

  beforeAll(async () => {
    receiver = new Receiver(SECRET);
    await receiver.start();
    cleanup.push(() => receiver.stop());
    const { schema, drop } = await freshSchema();
    const dir = await rulesDir({
      'e2e.yaml': `rules:
  - name: restart-on-latency
    match:
      entity: "synthetic-*"
      labels: { top_metric: latency_p99_seconds }
    guardrails:
      verify: { within: 2s }
    actions:
      - name: restart
        webhook:
          url: ${receiver.url}/restart
          secret_env: E2E_SECRET
`,
    });
    cleanup.push(dir.remove);
    ({ vigil, api } = await startIncidents(['detector', 'incidents', 'remediation', 'reco'], {
      VIGIL_DATABASE_SCHEMA: schema,
      INCIDENTS_RULES_DIR: dir.dir,
      E2E_SECRET: SECRET,
      VIGIL_RECO_URL: 'http://127.0.0.1:{port}',
    }));
    cleanup.push(async () => {
      await vigil.stop();
      await drop();
    });
    bus = kafkaBus();
    await bus.connect();
    cleanup.push(() => bus.disconnect());
  }, 120_000);

  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('one incident opens for the entity, its rule fires once, the receiver verifies the signature; a false positive reaches the detector', async () => {
    const anomalies = await collect(bus, 'aiops.anomalies', (v) => v.entity === entity);
    const lifecycle = await collect(bus, 'aiops.incidents', (v) => v.entity === entity);
    const decisions = await collect(bus, 'aiops.remediations', (v) => v.entity === entity);
    cleanup.push(anomalies.stop, lifecycle.stop, decisions.stop);

    // What the detector writes for a latency excursion: FINDINGS anomalies naming latency, a minute apart.
    const t0 = Date.now() - FINDINGS * 60_000;
    await bus.send(Array.from({ length: FINDINGS }, (_, i) => anomaly(entity, i, { timestamp: t0 + i * 60_000 })));

    let incidents: IncidentJson[] = [];
    await until(async () => (incidents = await incidentsOf(api, entity)).length > 0, WAIT_MS, `an incident for ${entity}`);
    await firstWebhook(api, entity, receiver, WAIT_MS);
    await until(async () => (await incidentsOf(api, entity))[0]!.occurrences === FINDINGS, WAIT_MS, `all ${FINDINGS} findings grouped`);

    // More findings of the same entity (as a log scorer would add) join the incident: no second one, no second request.
    await bus.send(
      Array.from({ length: 5 }, (_, i) => ({
        topic: 'aiops.anomalies',
        key: entity,
        value: JSON.stringify({ id: `${entity}-log-${i}`, entity, timestamp: t0 + (FINDINGS + i) * 60_000, source: 'logs', score: 0.7, threshold: 0.5, scorer: 'log-lstm', kind: 'log_sequence' }),
      })),
    );
    await until(() => anomalies.got.length === FINDINGS + 5, WAIT_MS, 'every finding read back');
    await until(async () => (await incidentsOf(api, entity))[0]!.occurrences === FINDINGS + 5, WAIT_MS, 'every finding grouped');
    incidents = await incidentsOf(api, entity);
    expect(incidents).toHaveLength(1);
    const inc = incidents[0]!;
    expect(inc.occurrences).toBe(FINDINGS + 5);
    // The kind the log findings added shows in an `updated` event, with the count so far.
    await until(() => lifecycle.got.some((e) => e.event === 'updated' && (e.kinds as string[]).includes('log_sequence')), WAIT_MS, 'the updated event');
    expect(lifecycle.got.filter((e) => e.event === 'opened')).toHaveLength(1);

    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0]!;
    expect(req.verified).toBe(true);
    expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    expect(req.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const body = JSON.parse(req.body) as { type: string; incident: { id: string; entity: string }; action: { id: string; rule: string } };
    expect(body.type).toBe('vigil.remediation.v1');
    expect(body.incident).toMatchObject({ id: inc.id, entity });
    expect(body.action.rule).toBe('restart-on-latency');
    expect(req.id).toBe(body.action.id);

    const [action] = await actionsOf(api, inc.id);
    expect(action!.id).toBe(req.id);
    await until(async () => ['verified', 'not_verified'].includes((await actionsOf(api, inc.id))[0]!.status), WAIT_MS, 'the verification outcome');
    await until(() => decisions.got.some((d) => d.decision === 'verified' || d.decision === 'not_verified'), WAIT_MS, 'the verification event');
    expect(decisions.got.map((d) => d.decision).slice(0, 2)).toEqual(['planned', 'delivered']);
    // The recommender (same process) read those outcomes: the incident shows its ranking of the rule's action.
    type Ranked = { ranking: { actions: Array<{ action: string; evidence: number }> } };
    await until(async () => ((await api.get<Ranked>(`/incidents/${inc.id}`)).ranking.actions[0]?.evidence ?? 0) > 0, WAIT_MS, 'a ranking with evidence');
    expect((await api.get<Ranked>(`/incidents/${inc.id}`)).ranking.actions.map((a) => a.action)).toEqual(['restart']);

    const fp = await api.post(`/incidents/${inc.id}/false-positive`, { comment: 'load test' });
    expect(fp.status).toBe(200);
    const after = await api.get<{ incident: { status: string; false_positive: boolean } }>(`/incidents/${inc.id}`);
    expect(after.incident).toMatchObject({ status: 'resolved', false_positive: true });
    await until(() => lifecycle.got.some((e) => e.event === 'resolved'), WAIT_MS, 'the resolved event');
    // The detector (same process) consumed the feedback (what it does with it: feedback.spec).
    await until(async () => /^vigil_detector_feedback_total\{kind="false_positive"\} 1$/m.test(await api.metrics()), WAIT_MS, 'the detector reading the feedback');
    expect((await api.post(`/incidents/${inc.id}/false-positive`)).status).toBe(409);
  });
});
