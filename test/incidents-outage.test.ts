import { afterAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import { anomaly, freshSchema, incidentsOf, PgProxy, rulesDir, startIncidents } from './incidents-harness.js';
import { groupLag, kafkaBus } from './support/kafka.js';
import { readAll } from './support/read-all.js';
import { until } from './support/until.js';
import type { VigilProcess } from './support/vigil-process.js';

describe('incidents: PostgreSQL goes away and comes back', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('findings that arrive during the outage are held, not dead-lettered, and open their incident once it is back', async () => {
    const proxy = new PgProxy();
    await proxy.start();
    cleanup.push(() => proxy.stop());
    const { schema, drop } = await freshSchema();
    cleanup.push(drop);
    const dir = await rulesDir({ 'none.yaml': 'rules: []\n' });
    cleanup.push(dir.remove);
    const { vigil, api, groupPrefix } = await startIncidents(['incidents', 'remediation'], { VIGIL_DATABASE_URL: proxy.url, VIGIL_DATABASE_SCHEMA: schema, INCIDENTS_RULES_DIR: dir.dir, INCIDENTS_MIN_OCCURRENCES: '3' });
    let running: VigilProcess | undefined = vigil;
    cleanup.push(async () => void (await running?.stop()));
    const bus: Bus = kafkaBus();
    await bus.connect();
    cleanup.push(() => bus.disconnect());

    const entity = `outage-${Date.now().toString(36)}`;
    await proxy.cut();
    const now = Date.now();
    await bus.send([0, 1, 2, 3].map((i) => anomaly(entity, i, { timestamp: now + i * 1000 })));
    await vigil.until(() => vigil.output.includes('PostgreSQL unavailable'), 60_000, 'the consumer noticing the outage');
    // The outage goes on for 2 s more while the consumer holds its batch: the thing under test.
    await new Promise((r) => setTimeout(r, 2000));
    await proxy.start(); // same port: the database is back

    // The incident opens at its third occurrence; the fourth may come in a later batch, so wait
    // for all four (none may be lost), then check there is one incident.
    await until(async () => (await incidentsOf(api, entity).catch(() => [])).some((i) => i.occurrences === 4), 60_000, 'the incident with all four occurrences after the outage');
    const incidents = await incidentsOf(api, entity);
    expect(incidents.map((i) => i.occurrences)).toEqual([4]);
    expect(vigil.output).toContain('PostgreSQL is back');
    // Committed, so whatever the batch dead-lettered was appended before: then none of it may be there.
    await until(async () => (await groupLag(`${groupPrefix}-incidents`, 'aiops.anomalies')) === 0n, 60_000, 'the incidents group committing the findings');
    const dlq = await readAll(bus, 'aiops.anomalies.dlq', 0, 60_000);
    expect(dlq.filter((r) => r.value?.toString('utf8').includes(entity))).toHaveLength(0);
    expect(await vigil.stop()).toBe(0);
    running = undefined;
  }, 120_000);
});
