/**
 * One remediation process of the remediation bench (test/bench/remediation.bench.ts): a
 * RemediationService on the shared PostgreSQL schema, fed its share of the incidents' `opened`
 * events (every `workers`-th, as a consumer owning some partitions would get them) when the parent
 * says go. Talks to the parent over IPC: `ready`, then `planned` when its share is handed over,
 * then its CPU time and round trips to PostgreSQL when told to stop.
 */
import pg from 'pg';
import { PgDatabase } from '../../src/platform/db/pg-database.js';
import { loadRemediationOptions } from '../../src/remediation/options.js';
import { RemediationService } from '../../src/remediation/remediation.service.js';
import { PgActionStore } from '../../src/remediation/store/pg-action-store.js';
import type { ActionOutbox } from '../../src/remediation/types.js';
import { benchIncident, benchRules, openedEvent, type Workload } from './remediation-workload.js';

const [url, schema, index, workers, incidents, environments, receiver, t0] = process.argv.slice(2);
const w: Workload = { incidents: Number(incidents), environments: Number(environments), receiver: receiver! };
const database = new PgDatabase(url!, schema!);
const store = new PgActionStore(database);
const options = loadRemediationOptions({ VIGIL_EXTERNAL_URL: 'http://bench', REMEDIATION_BLAST_RADIUS: '1000000', REMEDIATION_MAX_FINDING_AGE_MS: '0', REMEDIATION_MAX_CONCURRENT: '64', WEBHOOK_MAX_ATTEMPTS: '1' });
// Decisions are recorded with their outbox rows, as in the service; appending them to Kafka is not what this measures.
const outbox: ActionOutbox = {
  record: (topic, key, id, value) => ({ id, topic, key, value, headers: {} }),
  deadLetter: (topic, key, id, value, headers) => ({ id, topic, key, value, headers }),
  flush: async () => {},
};
const remediation = new RemediationService({ store, rules: benchRules(w), options, outbox, logger: { log: () => undefined, warn: (m) => console.error(m) } });
const send = (m: object | string) => process.send!(m);
// Round trips to PostgreSQL, counted where every query passes (a pool's clients are pg.Clients).
let roundTrips = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  roundTrips += 1;
  return (query as unknown as (...a: unknown[]) => unknown).apply(this, args);
} as unknown as typeof query;

// Counted from `go`: start-up (tsx, module loading) is no decision's cost.
let cpuAtGo = process.cpuUsage();
process.on('message', (m: unknown) => {
  void (async () => {
    if (m === 'go') {
      cpuAtGo = process.cpuUsage();
      roundTrips = 0;
      for (let i = Number(index); i < w.incidents; i += Number(workers)) await remediation.onIncidentEvent(openedEvent(benchIncident(i, w, Number(t0))));
      send('planned');
    } else if (m === 'stop') {
      await remediation.stop(2000);
      await database.close();
      const cpu = process.cpuUsage(cpuAtGo);
      send({ cpu_us: cpu.user + cpu.system, round_trips: roundTrips });
      process.exit(0);
    }
  })().catch((e: Error) => {
    console.error(e.stack ?? e.message);
    process.exit(1);
  });
});
await remediation.resume();
send('ready');
