import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import pg from 'pg';
import { actionsOf, anomaly, DATABASE_URL, freshSchema, incidentsOf, newSecret, Receiver, rulesDir, startIncidents, type ActionJson, type Api } from './incidents-harness.js';
import { DLQ_HEADERS } from '../src/platform/stage/dead-letter.js';
import { kafkaBus } from './support/kafka.js';
import { readAll } from './support/read-all.js';
import { until } from './support/until.js';
import type { VigilProcess } from './support/vigil-process.js';

const SECRET = newSecret();
const OLD_SECRET = newSecret();
const run = Date.now().toString(36);
const ENTITIES = 20;
const RATE = 15;
const CONCURRENCY = 3;
const FINAL = ['delivered', 'dead_lettered', 'skipped'];
// A credential in the dead endpoint's query string: the receiver gets it; no event, row, API answer,
// dead letter or log line does.
const URL_TOKEN = `url-token-${run}`;

describe('incidents: delivery to a flaky receiver (retries, timeouts, idempotency, rate limit, concurrency cap, dead letters)', () => {
  let vigil: VigilProcess;
  let api: Api;
  let bus: Bus;
  let flaky: Receiver;
  let dead: Receiver;
  let schemaName: string;
  const cleanup: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    // Half the answers fail; every fifth request hangs; every seventh success is answered too late
    // (processed, then the client times out and retries: the receiver must see a repeat it drops).
    flaky = new Receiver(SECRET, (_r, n) => (n % 5 === 0 ? { status: 0, hang: true } : n % 2 === 0 ? { status: 503 } : n % 7 === 0 ? { status: 200, delayMs: 700 } : { status: 200 }));
    dead = new Receiver(SECRET, () => ({ status: 500 }));
    await flaky.start();
    await dead.start();
    cleanup.push(() => flaky.stop(), () => dead.stop());
    const { schema, drop } = await freshSchema();
    schemaName = schema;
    const dir = await rulesDir({
      'delivery.yaml': `rules:
  - name: flaky
    match: { entity: "flaky-${run}-*" }
    guardrails:
      rate_limit: { max: ${RATE}, per: 1h }
      max_concurrent: ${CONCURRENCY}
    actions:
      - name: run
        webhook: { url: "${flaky.url}/run", secret_env: DELIVERY_SECRETS, timeout: 300ms }
  - name: dead
    match: { entity: "dead-${run}-*" }
    actions:
      - name: run
        webhook: { url: "${dead.url}/run?token=${URL_TOKEN}", secret_env: DELIVERY_SECRETS, format: alertmanager }
`,
    });
    cleanup.push(dir.remove);
    ({ vigil, api } = await startIncidents(['incidents', 'remediation'], {
      VIGIL_DATABASE_SCHEMA: schema,
      INCIDENTS_RULES_DIR: dir.dir,
      // Rotation: the new secret signs first, the old one too; the receiver knows only the new one.
      DELIVERY_SECRETS: `${SECRET} ${OLD_SECRET}`,
      REMEDIATION_BLAST_RADIUS: '100',
      REMEDIATION_MAX_CONCURRENT: '8',
      WEBHOOK_TIMEOUT_MS: '300',
      WEBHOOK_MAX_ATTEMPTS: '8',
      WEBHOOK_BACKOFF_MS: '40',
      WEBHOOK_BACKOFF_MAX_MS: '400',
      WEBHOOK_BREAKER_THRESHOLD: '4',
      WEBHOOK_BREAKER_RESET_MS: '300',
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

  it('every action is delivered or dead-lettered, none twice; the rate limit and the concurrency cap hold', async () => {
    const names = Array.from({ length: ENTITIES }, (_, i) => `flaky-${run}-${String(i).padStart(2, '0')}`);
    await bus.send(names.map((e, i) => anomaly(e, i)));
    const actions: ActionJson[] = [];
    await until(
      async () => {
        actions.length = 0;
        for (const e of names) {
          const [inc] = await incidentsOf(api, e);
          const [a] = inc ? await actionsOf(api, inc.id) : [];
          if (a) actions.push(a);
        }
        return actions.length === ENTITIES && actions.every((a) => FINAL.includes(a.status));
      },
      90_000,
      'every action settled',
    );
    const by = (s: string) => actions.filter((a) => a.status === s);
    expect(by('skipped')).toHaveLength(ENTITIES - RATE);
    for (const a of by('skipped')) expect(a.reason).toMatch(/^rate_limited: 15 action\(s\) to /);
    expect(by('delivered').length + by('dead_lettered').length).toBe(RATE);
    expect(by('delivered').length).toBeGreaterThan(0);

    // Idempotency: one webhook-id per action, every retry signed and carrying the same body.
    const ids = new Set(flaky.requests.map((r) => r.id));
    const started = new Set([...by('delivered'), ...by('dead_lettered')].map((a) => a.id));
    for (const id of ids) expect(started.has(id)).toBe(true);
    expect(ids.size).toBeLessThanOrEqual(RATE);
    for (const id of ids) expect(new Set(flaky.requests.filter((r) => r.id === id).map((r) => r.body)).size).toBe(1);
    expect(flaky.requests.every((r) => r.verified)).toBe(true);
    expect(flaky.requests.every((r) => r.headers['webhook-signature']!.split(' ').length === 2)).toBe(true);
    // Every delivered action was processed by the receiver exactly once (repeats were dropped there).
    for (const a of by('delivered')) expect(flaky.processed.has(a.id)).toBe(true);
    expect(flaky.requests.length).toBeGreaterThan(ids.size); // there were retries
    expect(flaky.maxInFlight).toBeLessThanOrEqual(CONCURRENCY);
    console.log(
      `flaky receiver: ${flaky.requests.length} requests for ${ids.size} actions, ${flaky.processed.size} processed, ${flaky.repeats} repeats dropped, max ${flaky.maxInFlight} in flight; ${by('delivered').length} delivered, ${by('dead_lettered').length} dead-lettered`,
    );
    // A dead-lettered action's decisions end with the dead letter after its failed attempts.
    for (const a of by('dead_lettered')) {
      const { decisions } = await api.get<{ decisions: Array<{ decision: string }> }>(`/actions/${a.id}`);
      expect(decisions.at(-1)!.decision).toBe('dead_lettered');
    }
  }, 120_000);

  it('an endpoint that always fails: attempts stop at the limit, the action is dead-lettered (decision and aiops.remediations.dlq), the circuit opens; its URL token reaches the receiver and no event, row, API answer or log', async () => {
    const entity = `dead-${run}-a`;
    await bus.send([anomaly(entity, 1)]);
    let action: ActionJson | undefined;
    await until(
      async () => {
        const [inc] = await incidentsOf(api, entity);
        action = inc ? (await actionsOf(api, inc.id))[0] : undefined;
        return action?.status === 'dead_lettered';
      },
      60_000,
      'the dead letter',
    );
    expect(action!.reason).toMatch(/^gave up after 8 attempt\(s\)/);
    // At most one request per attempt. How many of the 8 the open circuit held back depends on
    // how the retries fell around its 300 ms (webhook-sender.spec checks that on a held clock).
    expect(dead.requests.length).toBeGreaterThanOrEqual(4);
    expect(dead.requests.length).toBeLessThanOrEqual(8);
    // Alertmanager's webhook body, version 4, as its receivers expect it.
    const am = JSON.parse(dead.requests[0]!.body) as Record<string, unknown> & { alerts: Array<Record<string, unknown> & { labels: Record<string, string> }> };
    expect(am).toMatchObject({ version: '4', status: 'firing', receiver: 'dead', truncatedAlerts: 0, groupLabels: { entity } });
    expect(am.alerts).toHaveLength(1);
    expect(am.alerts[0]).toMatchObject({ status: 'firing', endsAt: '0001-01-01T00:00:00Z' });
    expect(am.alerts[0]!.labels).toMatchObject({ alertname: 'metric_anomaly', entity, severity: 'warning', vigil_rule: 'dead', vigil_action: 'run' });
    expect(typeof am.alerts[0]!.startsAt).toBe('string');
    expect(typeof am.alerts[0]!.fingerprint).toBe('string');
    const text = await api.metrics();
    expect(text).toContain(`vigil_webhook_circuit_open{endpoint="${dead.url}"} 1`);
    expect(text).toMatch(/^vigil_remediation_actions_total\{outcome="dead_lettered"\} [1-9]/m);
    expect(text).toMatch(/^vigil_webhook_request_duration_seconds_count\{result="5xx"\} [1-9]/m);

    // The action itself is on the dead-letter topic, read back from the broker: keyed by its
    // incident, with the platform's vigil-dlq-* headers, the body it tried to send and why it gave up.
    const deadLettered = (await api.get<{ actions: ActionJson[] }>('/actions?status=dead_lettered')).actions; // this test's schema: both tests' dead letters
    const dlq = (await readAll(bus, 'aiops.remediations.dlq', deadLettered.length, 60_000))
      .map((r) => ({ r, v: JSON.parse(r.value!.toString('utf8')) as Record<string, unknown> }))
      .filter(({ v }) => typeof v.entity === 'string' && v.entity.includes(`-${run}-`));
    // Every dead-lettered action of this run is there, once; nothing else is.
    expect(dlq.map(({ v }) => v.idempotency_key).sort()).toEqual(deadLettered.map((a) => a.id).sort());
    const mine = dlq.filter(({ v }) => v.idempotency_key === action!.id);
    expect(mine).toHaveLength(1);
    const { r, v } = mine[0]!;
    expect(r.key?.toString('utf8')).toBe(action!.incident_id);
    expect(r.headers[DLQ_HEADERS.reason]).toBe('delivery_failed');
    expect(r.headers[DLQ_HEADERS.service]).toBe('remediation');
    expect(r.headers[DLQ_HEADERS.error]).toContain(`gave up after 8 attempt(s): ${String(v.reason)}`);
    expect(v.idempotency_key).toBe(dead.requests[0]!.id); // the webhook-id / idempotency-key the receiver saw
    expect(dead.requests[0]!.headers['idempotency-key']).toBe(v.idempotency_key);
    expect(v).toMatchObject({ type: 'vigil.remediation.undelivered.v1', incident_id: action!.incident_id, rule: 'dead', action: 'run', entity, attempts: 8, format: 'alertmanager' });
    expect(v.target).toBe(`${dead.url}/run?token=redacted`);
    expect(v.body).toEqual(JSON.parse(dead.requests[0]!.body));
    expect(action!.reason).toBe(`gave up after 8 attempt(s): ${String(v.reason)}`);
    expect(r.value!.toString('utf8')).not.toContain(URL_TOKEN);
    expect(Object.values(r.headers).join(' ')).not.toContain(URL_TOKEN);
    expect(await api.metrics()).toMatch(/^vigil_records_dead_lettered_total\{service="remediation",topic="aiops.remediations",reason="delivery_failed"\} [1-9]/m);

    // The URL's credential: the receiver got it on every request (delivery uses the rule's URL) ...
    expect(dead.requests.every((q) => q.path === `/run?token=${URL_TOKEN}`)).toBe(true);
    // ... but no aiops.remediations event carries it: every decision of the action is there, with the cleaned target.
    const { decisions } = await api.get<{ decisions: Array<{ id: string }> }>(`/actions/${action!.id}`);
    const events = await readAll(bus, 'aiops.remediations', decisions.length, 60_000);
    const ofAction = events.map((e) => JSON.parse(e.value!.toString('utf8')) as { action_id: string; target?: string }).filter((e) => e.action_id === action!.id);
    expect(ofAction.length).toBeGreaterThanOrEqual(decisions.length);
    for (const e of ofAction) expect(e.target).toBe(`${dead.url}/run?token=redacted`);
    for (const e of events) expect(e.value!.toString('utf8')).not.toContain(URL_TOKEN);
    // No row of the actions table (nor of the decisions or the outbox).
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    try {
      const row = await db.query<{ target: string }>(`SELECT target FROM "${schemaName}".actions WHERE id = $1`, [action!.id]);
      expect(row.rows.map((x) => x.target)).toEqual([`${dead.url}/run?token=redacted`]);
      for (const table of ['actions', 'action_events', 'outbox']) {
        const all = await db.query<{ r: string }>(`SELECT row_to_json(t)::text AS r FROM "${schemaName}".${table} t`);
        if (table !== 'outbox') expect(all.rows.length).toBeGreaterThan(0);
        for (const x of all.rows) expect(x.r).not.toContain(URL_TOKEN);
      }
    } finally {
      await db.end();
    }
    // No API answer listing or showing the actions.
    for (const path of ['/actions', '/actions?status=dead_lettered', `/actions/${action!.id}`, `/actions?incident_id=${action!.incident_id}`, `/incidents/${action!.incident_id}`]) {
      const answer = JSON.stringify(await api.get<object>(path));
      expect(answer).toContain(action!.id);
      expect(answer).not.toContain(URL_TOKEN);
    }
    // No log line.
    expect(vigil.output).toContain(`${dead.url}/run?token=redacted`);
    expect(vigil.output).not.toContain(URL_TOKEN);
  }, 90_000);
});
