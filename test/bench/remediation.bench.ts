/**
 * Guardrail decisions per second on one PostgreSQL, with one and with two remediation processes
 * (test/bench/remediation.worker.ts, forked): every action's check-and-claim is a transaction
 * holding its advisory locks (src/remediation/README.md, "Several processes"). The same incidents
 * go to each run; both must make one decision per action, send exactly the rate limit's 4 per
 * environment, and never exceed a guardrail. BENCH_REMEDIATION=false skips it;
 * BENCH_REMEDIATION_INCIDENTS and BENCH_REMEDIATION_ENVIRONMENTS size it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { loadavg } from 'node:os';
import pg from 'pg';
import { PgIncidentStore } from '../../src/incidents/store/pg-incident-store.js';
import { PgDatabase } from '../../src/platform/db/pg-database.js';
import { fmt } from './harness.js';
import { benchIncident, LIMITS, type Workload } from './remediation-workload.js';

export interface RemediationRun {
  processes: number;
  decisions: number;
  sent: number;
  seconds: number;
  decisions_per_s: number;
  /** Worker CPU (user + system, from go to stop) per decision, all workers together; PostgreSQL's own CPU is not in it. */
  cpu_ms_per_decision: number;
  round_trips_per_decision: number;
  max_in_flight_per_target: number;
  load_average_after: number;
  violations: string[];
}

export interface RemediationBenchResult {
  incidents: number;
  environments: number;
  runs: RemediationRun[];
}

const DATABASE_URL = process.env.VIGIL_BENCH_DATABASE_URL ?? 'postgres://postgres@localhost:5432/test';

/** A webhook receiver answering 200 at once, counting requests in flight per path (one path per target). */
async function receiver(): Promise<{ server: Server; url: string; maxInFlight: Map<string, number> }> {
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    inFlight.set(path, (inFlight.get(path) ?? 0) + 1);
    maxInFlight.set(path, Math.max(maxInFlight.get(path) ?? 0, inFlight.get(path)!));
    res.on('close', () => inFlight.set(path, inFlight.get(path)! - 1));
    req.resume().on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, maxInFlight };
}

function message<T>(child: ChildProcess, accept: (m: unknown) => m is T): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (!accept(m)) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.once('exit', (code, signal) => reject(new Error(`remediation bench worker ${child.pid} exited (code ${code}, signal ${signal}) before answering`)));
  });
}

async function runWith(processes: number, w: Omit<Workload, 'receiver'>): Promise<RemediationRun> {
  const rx = await receiver();
  const schema = `vigil_bench_rem_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const database = new PgDatabase(DATABASE_URL, schema);
  const store = new PgIncidentStore(database);
  const db = new pg.Client({ connectionString: DATABASE_URL });
  const workers: ChildProcess[] = [];
  try {
    await store.init();
    await db.connect();
    const t0 = Date.now();
    const workload: Workload = { ...w, receiver: rx.url };
    for (let i = 0; i < w.incidents; i += 200) {
      await Promise.all(Array.from({ length: Math.min(200, w.incidents - i) }, (_, k) => store.saveIncident(benchIncident(i + k, workload, t0))));
    }
    for (let k = 0; k < processes; k++) {
      const args = [DATABASE_URL, schema, k, processes, w.incidents, w.environments, rx.url, t0].map(String);
      const child = fork(new URL('./remediation.worker.ts', import.meta.url).pathname, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.push(child);
    }
    await Promise.all(workers.map((c) => message(c, (m): m is 'ready' => m === 'ready')));
    const started = performance.now();
    for (const c of workers) c.send('go');
    const decided = async () =>
      Number((await db.query(`SELECT count(*) AS n FROM "${schema}".actions WHERE status NOT IN ('planned', 'approved', 'executing')`)).rows[0].n);
    while ((await decided()) < w.incidents) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - started) / 1000;
    const done = workers.map((c) => message(c, (m): m is { cpu_us: number; round_trips: number } => typeof m === 'object' && m !== null && 'cpu_us' in m));
    for (const c of workers) c.send('stop');
    const usage = await Promise.all(done);

    const violations: string[] = [];
    const perEnv = await db.query<{ environment: string; sent: string; entities: string; planned: string }>(
      `SELECT environment, count(*) FILTER (WHERE started_at IS NOT NULL) AS sent, count(DISTINCT entity) FILTER (WHERE started_at IS NOT NULL) AS entities, count(*) AS planned FROM "${schema}".actions GROUP BY environment`,
    );
    const actions = perEnv.rows.reduce((s, r) => s + Number(r.planned), 0);
    if (actions !== w.incidents) violations.push(`${actions} actions for ${w.incidents} incidents`);
    for (const r of perEnv.rows) {
      if (Number(r.sent) !== LIMITS.rate) violations.push(`${r.environment}: ${r.sent} sent, the rate limit allows exactly ${LIMITS.rate}`);
      if (Number(r.entities) > LIMITS.blast) violations.push(`${r.environment}: ${r.entities} entities acted on, blast radius ${LIMITS.blast}`);
    }
    const maxInFlight = Math.max(0, ...rx.maxInFlight.values());
    if (maxInFlight > LIMITS.concurrent) violations.push(`${maxInFlight} requests in flight to one target, max_concurrent ${LIMITS.concurrent}`);
    const sent = perEnv.rows.reduce((s, r) => s + Number(r.sent), 0);
    const cpu = usage.reduce((s, u) => s + u.cpu_us, 0) / 1000;
    const trips = usage.reduce((s, u) => s + u.round_trips, 0);
    return {
      processes,
      decisions: w.incidents,
      sent,
      seconds,
      decisions_per_s: w.incidents / seconds,
      cpu_ms_per_decision: cpu / w.incidents,
      round_trips_per_decision: trips / w.incidents,
      max_in_flight_per_target: maxInFlight,
      load_average_after: loadavg()[0]!,
      violations,
    };
  } finally {
    for (const c of workers) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rx.server.close();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.end().catch(() => undefined);
    await database.close();
  }
}

export async function runRemediationBench(): Promise<{ ok: boolean; result: RemediationBenchResult }> {
  const incidents = Number(process.env.BENCH_REMEDIATION_INCIDENTS ?? 4000);
  const environments = Number(process.env.BENCH_REMEDIATION_ENVIRONMENTS ?? 40);
  console.log(
    `\n[remediation] guardrail decisions (check-and-claim in PostgreSQL) of ${fmt(incidents)} actions over ${environments} environments, one and two remediation processes on one database; load average ${loadavg()[0]!.toFixed(1)} at the start`,
  );
  const runs: RemediationRun[] = [];
  for (const processes of [1, 2]) {
    const r = await runWith(processes, { incidents, environments });
    runs.push(r);
    console.log(
      `  ${processes} process(es): ${fmt(r.decisions_per_s)} decisions/s (${fmt(r.decisions)} in ${r.seconds.toFixed(2)} s), ${r.sent} sent; per decision ${r.cpu_ms_per_decision.toFixed(2)} ms worker CPU, ${r.round_trips_per_decision.toFixed(1)} round trips; max ${r.max_in_flight_per_target} in flight per target; load ${r.load_average_after.toFixed(1)}`,
    );
    for (const v of r.violations) console.error(`  FAIL (${processes} process(es)): ${v}`);
  }
  const [one, two] = runs as [RemediationRun, RemediationRun];
  let ok = runs.every((r) => r.violations.length === 0);
  if (one.decisions !== two.decisions || one.sent !== two.sent) {
    console.error(`  FAIL: two processes made ${two.decisions} decisions and sent ${two.sent}; one made ${one.decisions} and sent ${one.sent}`);
    ok = false;
  }
  const result: RemediationBenchResult = { incidents, environments, runs };
  console.log(`BENCH_JSON_REMEDIATION ${JSON.stringify(result)}`);
  return { ok, result };
}
