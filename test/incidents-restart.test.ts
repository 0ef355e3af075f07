import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import { actionsOf, anomaly, DATABASE_URL, freshSchema, incidentsOf, newSecret, Receiver, rulesDir, startIncidents, type ActionJson } from './incidents-harness.js';
import { kafkaBus } from './support/kafka.js';
import { until } from './support/until.js';
import type { VigilProcess } from './support/vigil-process.js';

const SECRET = newSecret();
const run = Date.now().toString(36);

describe('incidents: an action in flight survives a restart', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('stopped while retrying, the next start delivers it with the same webhook-id; the store kept the incident', async () => {
    // Down at first: every request fails until the receiver is "fixed".
    const receiver = new Receiver(SECRET, () => ({ status: 503 }));
    await receiver.start();
    cleanup.push(() => receiver.stop());
    const { schema, drop } = await freshSchema();
    cleanup.push(drop);
    const dir = await rulesDir({
      'r.yaml': `rules:
  - name: restart
    match: { entity: "restart-${run}-*" }
    actions:
      - name: run
        webhook: { url: "${receiver.url}/run", secret_env: R_SECRET }
`,
    });
    cleanup.push(dir.remove);
    const env = {
      VIGIL_DATABASE_SCHEMA: schema,
      VIGIL_GROUP_PREFIX: `inc-restart-${run}-${randomBytes(2).toString('hex')}`,
      INCIDENTS_RULES_DIR: dir.dir,
      R_SECRET: SECRET,
      WEBHOOK_MAX_ATTEMPTS: '1000',
      WEBHOOK_BACKOFF_MS: '100',
      WEBHOOK_BACKOFF_MAX_MS: '200',
      WEBHOOK_BREAKER_THRESHOLD: '1000',
    };
    let vigil: VigilProcess | undefined;
    cleanup.push(async () => void (await vigil?.stop()));
    const bus: Bus = kafkaBus();
    await bus.connect();
    cleanup.push(() => bus.disconnect());

    const first = await startIncidents(['incidents', 'remediation'], env);
    vigil = first.vigil;
    const entity = `restart-${run}-a`;
    await bus.send([anomaly(entity, 1)]);
    await until(() => receiver.requests.length >= 3, 30_000, 'three failed attempts');
    const code = await vigil.stop();
    expect(code === 0 || vigil.child.signalCode === 'SIGTERM').toBe(true);

    // The row says executing: a stop is not a failure and not a dead letter.
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    const rows = await db.query(`SELECT id, status FROM "${schema}".actions`);
    await db.end();
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0].status).toBe('executing');
    const id = rows.rows[0].id as string;

    receiver.setBehaviour(() => ({ status: 200 }));
    const second = await startIncidents(['incidents', 'remediation'], env);
    vigil = second.vigil;
    expect(vigil.output).toContain('resumed 1 action(s)');
    let action: ActionJson | undefined;
    await until(
      async () => {
        const [inc] = await incidentsOf(second.api, entity);
        action = inc ? (await actionsOf(second.api, inc.id))[0] : undefined;
        return action?.status === 'delivered';
      },
      30_000,
      'the resumed delivery',
    );
    expect(action!.id).toBe(id);
    expect(new Set(receiver.requests.map((r) => r.id))).toEqual(new Set([id]));
    expect(receiver.processed.size).toBe(1);
    expect(receiver.requests.every((r) => r.verified)).toBe(true);
  }, 120_000);
});
