import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import { anomaly, DATABASE_URL, freshSchema, newSecret, Receiver, rulesDir, startIncidents, type Api } from './incidents-harness.js';
import { kafkaBus, withAdmin } from './support/kafka.js';
import { until } from './support/until.js';
import type { VigilProcess } from './support/vigil-process.js';

/**
 * Two `vigil start incidents` processes — two incidents and two remediation consumers in their
 * groups — on one PostgreSQL schema: the guardrails, approvals, grouping and the adoption of a dead
 * process's action give what one process would, five rounds in a row. Each round feeds its
 * findings straight to aiops.anomalies, six entities at once across partitions.
 */

const SECRET = newSecret();
const run = Date.now().toString(36);
const ROUNDS = 5;
const ENTITIES = 6;
/** Bound on each wait: only a hang reaches it (a dead member leaves the group after its 30-s session). */
const WAIT_MS = 90_000;

function rules(main: string, conc: string): string {
  const rule = (name: string, url: string, guardrails?: string) => `  - name: ${name}
    match: { entity: "${name}-${run}-*" }${guardrails ? `\n    guardrails: ${guardrails}` : ''}
    actions:
      - name: run
        webhook: { url: "${url}", secret_env: SCALE_SECRET }
`;
  let out = 'rules:\n';
  for (let r = 1; r <= ROUNDS; r++) {
    out += rule(`blast-r${r}`, `${main}/r${r}/blast`, '{ blast_radius: { max_entities: 2, window: 1h } }');
    out += rule(`rate-r${r}`, `${main}/r${r}/rate`, '{ rate_limit: { max: 3, per: 1h } }');
    out += rule(`conc-r${r}`, `${conc}/r${r}/conc`, '{ max_concurrent: 1 }');
    out += rule(`approve-r${r}`, `${main}/r${r}/approve`, '{ approval: { required: true, expires_after: 1h } }');
    out += rule(`kill-r${r}`, `${main}/r${r}/kill`);
  }
  return out;
}

describe('incidents and remediation scaled out: two processes, one database', () => {
  const cleanup: Array<() => Promise<void>> = [];
  const procs: Array<{ vigil: VigilProcess; api: Api }> = [];
  let env: Record<string, string>;
  let groupPrefix: string;
  let schema: string;
  let db: pg.Client;
  let bus: Bus;
  /** Everything but the max_concurrent rule; the request to kill-r<n> hangs the first time its id comes. */
  let main: Receiver;
  /** The max_concurrent rule's receiver alone: its in-flight count is that rule's. */
  let conc: Receiver;
  let n = 0;

  const statuses = async (rule: string) =>
    (await db.query<{ id: string; status: string; reason: string | null; lease_owner: string | null }>(`SELECT id, status, doc->>'reason' AS reason, lease_owner FROM "${schema}".actions WHERE rule = $1`, [rule])).rows;
  const count = (rows: Array<{ status: string }>, status: string) => rows.filter((r) => r.status === status).length;
  const ids = (rx: Receiver, path: string) => new Set(rx.requests.filter((q) => q.path === path).map((q) => q.id));
  const send = (entities: string[], labels: Record<string, string>) => bus.send(entities.map((e) => anomaly(e, n++, { labels })));
  const entities = (prefix: string, k = ENTITIES) => Array.from({ length: k }, (_, i) => `${prefix}-${run}-${i}`);

  /**
   * Both groups Stable with two members, one of them not in `before` (the members before a process
   * was killed and replaced: the replacement is in, the dead member's session is over).
   */
  async function balanced(before: Set<string>): Promise<Set<string>> {
    let members = new Set<string>();
    await until(
      () =>
        withAdmin(async (admin) => {
          const { groups } = await admin.describeGroups([`${groupPrefix}-incidents`, `${groupPrefix}-remediation`]);
          members = new Set(groups.flatMap((g) => g.members.map((m) => m.memberId)));
          return groups.every((g) => g.state === 'Stable' && g.members.length === 2 && (before.size === 0 || g.members.some((m) => !before.has(m.memberId))));
        }),
      WAIT_MS,
      () => `both consumer groups stable with the two live processes (members now: ${[...members].join(', ')})`,
    );
    return members;
  }

  async function startOne(): Promise<void> {
    const p = await startIncidents(['incidents', 'remediation'], env);
    procs.push({ vigil: p.vigil, api: p.api });
  }

  beforeAll(async () => {
    main = new Receiver(SECRET, (req) => {
      // The kill scenario: the first request of an action hangs, held by the process the test kills.
      if (req.path.endsWith('/kill') && main.requests.filter((q) => q.id === req.id).length === 1) return { status: 200, hang: true };
      return { status: 200 };
    });
    conc = new Receiver(SECRET, () => ({ status: 200, delayMs: 150 }));
    await main.start();
    await conc.start();
    cleanup.push(() => main.stop(), () => conc.stop());
    const fresh = await freshSchema();
    schema = fresh.schema;
    cleanup.push(fresh.drop);
    const dir = await rulesDir({ 'scale.yaml': rules(main.url, conc.url) });
    cleanup.push(dir.remove);
    groupPrefix = `inc-scale-${run}`;
    env = {
      VIGIL_DATABASE_SCHEMA: schema,
      VIGIL_GROUP_PREFIX: groupPrefix,
      INCIDENTS_RULES_DIR: dir.dir,
      // One incident per service across hosts: entities on different partitions, so different processes.
      INCIDENTS_GROUP_BY: 'service',
      SCALE_SECRET: SECRET,
      REMEDIATION_BLAST_RADIUS: '1000',
      REMEDIATION_LEASE_MS: '3000',
      WEBHOOK_TIMEOUT_MS: '120000',
    };
    db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    cleanup.push(() => db.end());
    bus = kafkaBus();
    await bus.connect();
    cleanup.push(() => bus.disconnect());
    cleanup.push(async () => {
      for (const p of procs) await p.vigil.stop();
    });
    await startOne();
    await startOne();
  }, 180_000);

  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch((e: Error) => console.error(`cleanup: ${e.message}`));
  }, 120_000);

  it(`holds the guardrails, sends one approval once and adopts a killed process's action, ${ROUNDS} rounds in a row`, async () => {
    let members = await balanced(new Set());
    for (let r = 1; r <= ROUNDS; r++) {
      const round = `round ${r}`;
      // Everything of the round at once: three rules' six entities each (one environment per rule),
      // and six hosts of one service, each on its own entity (so on partitions of both processes).
      const blast = entities(`blast-r${r}`);
      const rate = entities(`rate-r${r}`);
      const concurrent = entities(`conc-r${r}`);
      const grouped = entities(`group-r${r}`);
      await Promise.all([
        send(blast, { environment: `blast-r${r}-${run}` }),
        send(rate, { environment: `rate-r${r}-${run}` }),
        send(concurrent, { environment: `conc-r${r}-${run}` }),
        send(grouped, { environment: `group-r${r}-${run}`, service: `svc-r${r}-${run}` }),
      ]);
      const settled = async (rule: string) => {
        const rows = await statuses(rule);
        return rows.length === ENTITIES && rows.every((x) => x.status === 'delivered' || x.status === 'skipped');
      };
      for (const rule of [`blast-r${r}`, `rate-r${r}`, `conc-r${r}`]) {
        await until(() => settled(rule), WAIT_MS, `${round}: six decided actions of ${rule}`);
      }

      const b = await statuses(`blast-r${r}`);
      expect(count(b, 'delivered'), `${round}: blast radius 2 of 6`).toBe(2);
      expect(b.filter((x) => x.status === 'skipped').every((x) => x.reason?.startsWith('blast_radius:'))).toBe(true);
      expect(ids(main, `/r${r}/blast`).size).toBe(2);

      const t = await statuses(`rate-r${r}`);
      expect(count(t, 'delivered'), `${round}: rate limit 3 of 6`).toBe(3);
      expect(t.filter((x) => x.status === 'skipped').every((x) => x.reason?.startsWith('rate_limited:'))).toBe(true);
      expect(ids(main, `/r${r}/rate`).size).toBe(3);

      expect(count(await statuses(`conc-r${r}`), 'delivered'), `${round}: max_concurrent delivers all six`).toBe(ENTITIES);
      expect(ids(conc, `/r${r}/conc`).size).toBe(ENTITIES);
      expect(conc.maxInFlight, `${round}: max_concurrent 1 at the receiver`).toBe(1);

      // One live incident for the service, holding all six hosts' findings, whichever process took each.
      await until(
        async () => Number((await db.query(`SELECT coalesce(sum((doc->>'occurrences')::int), 0) AS n FROM "${schema}".incidents WHERE group_key = $1`, [`service=svc-r${r}-${run}`])).rows[0].n) === ENTITIES,
        WAIT_MS,
        `${round}: the service's six findings in incidents`,
      );
      const groups = await db.query(`SELECT id FROM "${schema}".incidents WHERE group_key = $1`, [`service=svc-r${r}-${run}`]);
      expect(groups.rowCount, `${round}: one incident for the service`).toBe(1);

      // Approval: the same approval through both processes' APIs at once is taken once and sent once.
      const [approveEntity] = entities(`approve-r${r}`, 1);
      await send([approveEntity!], { environment: `approve-r${r}-${run}` });
      await until(async () => (await statuses(`approve-r${r}`)).some((x) => x.status === 'awaiting_approval'), WAIT_MS, `${round}: an action awaiting approval`);
      const [waiting] = await statuses(`approve-r${r}`);
      const answers = await Promise.all(procs.map((p) => p.api.post(`/actions/${waiting!.id}/approve`, {})));
      expect(answers.map((a) => a.status).sort(), `${round}: one approval taken, the other refused`).toEqual([200, 409]);
      await until(async () => (await statuses(`approve-r${r}`))[0]!.status === 'delivered', WAIT_MS, `${round}: the approved action delivered`);
      expect(main.requests.filter((q) => q.path === `/r${r}/approve`)).toHaveLength(1);

      // Kill: the process holding an action in flight dies; the other adopts it once its lease ends.
      const [killEntity] = entities(`kill-r${r}`, 1);
      await send([killEntity!], { environment: `kill-r${r}-${run}` });
      await until(() => main.requests.some((q) => q.path === `/r${r}/kill`), WAIT_MS, `${round}: the request held by the process to kill`);
      const [held] = await statuses(`kill-r${r}`);
      expect(held!.status).toBe('executing');
      const pid = Number(held!.lease_owner?.split('/')[1]);
      const victim = procs.find((p) => p.vigil.child.pid === pid);
      expect(victim, `${round}: the lease owner ${held!.lease_owner} is one of the processes`).toBeDefined();
      const survivor = procs.find((p) => p !== victim)!;
      victim!.vigil.kill('SIGKILL');
      procs.splice(procs.indexOf(victim!), 1);
      await until(async () => (await statuses(`kill-r${r}`))[0]!.status === 'delivered', WAIT_MS, `${round}: the killed process's action delivered by the other`);
      const killRequests = main.requests.filter((q) => q.id === held!.id);
      expect(killRequests, `${round}: the held request, then the adopted one`).toHaveLength(2);
      expect(main.processed.has(held!.id)).toBe(true);
      const delivered = await db.query(`SELECT count(*) AS n FROM "${schema}".action_events WHERE action_id = $1 AND doc->>'decision' = 'delivered'`, [held!.id]);
      expect(Number(delivered.rows[0].n)).toBe(1);
      expect(survivor.vigil.output).toContain(`adopted action ${held!.id}`);

      // A replacement joins the groups; the next round starts once both groups have settled without the dead member.
      await victim!.vigil.stop();
      await startOne();
      members = await balanced(members);
    }

    // Nothing came late: still one request per approval, two per blast radius, three per rate limit.
    for (let r = 1; r <= ROUNDS; r++) {
      expect(main.requests.filter((q) => q.path === `/r${r}/approve`)).toHaveLength(1);
      expect(ids(main, `/r${r}/blast`).size).toBe(2);
      expect(ids(main, `/r${r}/rate`).size).toBe(3);
    }
    expect(conc.maxInFlight).toBe(1);
    expect(main.requests.every((q) => q.verified)).toBe(true);
  }, 900_000);
});
