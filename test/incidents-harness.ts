import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { verify } from '../src/platform/webhooks/signing.js';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import { brokers } from './support/kafka.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { until } from './support/until.js';
import { VigilProcess } from './support/vigil-process.js';

/** Shared by the incidents tests: a real PostgreSQL schema, a real HTTP receiver, `vigil start` as a process. */

export const DATABASE_URL = process.env.VIGIL_TEST_DATABASE_URL ?? 'postgres://postgres@localhost:5432/test';
export const TOKEN = `t-${randomBytes(12).toString('hex')}`;

/** A fresh schema per test file, dropped after. */
export async function freshSchema(): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `vigil_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  return {
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    },
  };
}

export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface Received {
  id: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  verified: boolean;
  at: number;
}

export type Behaviour = (req: Received, n: number) => { status: number; delayMs?: number; hang?: boolean };

/**
 * A webhook receiver that verifies every signature, processes each webhook-id once (later
 * deliveries of an id it processed are answered 200 and counted as repeats), and tracks how many
 * requests it holds at once. `behaviour` decides each answer: a status, a delay, or a hang
 * (no answer until the client gives up).
 */
export class Receiver {
  readonly requests: Received[] = [];
  readonly processed = new Map<string, Received>();
  repeats = 0;
  inFlight = 0;
  maxInFlight = 0;
  private server: Server | undefined;
  port = 0;

  constructor(
    private readonly secret: string,
    private behaviour: Behaviour = () => ({ status: 200 }),
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  setBehaviour(b: Behaviour): void {
    this.behaviour = b;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let done = false;
    const finish = () => {
      if (!done) this.inFlight -= 1;
      done = true;
    };
    res.on('close', finish);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const r: Received = { id: headers['webhook-id'] ?? '', path: req.url ?? '', headers, body, verified: verify(headers, body, this.secret), at: Date.now() };
    this.requests.push(r);
    if (!r.verified) {
      res.writeHead(401).end();
      return;
    }
    if (this.processed.has(r.id)) {
      // Idempotency: a repeat of a processed delivery is acknowledged, not acted on again.
      this.repeats += 1;
      res.writeHead(200).end('{"duplicate":true}');
      return;
    }
    const b = this.behaviour(r, this.requests.length);
    if (b.hang) return; // never answers; the client's timeout ends it
    if (b.status >= 200 && b.status < 300) this.processed.set(r.id, r);
    if (b.delayMs) await new Promise((x) => setTimeout(x, b.delayMs));
    if (!res.destroyed) res.writeHead(b.status, { 'content-type': 'application/json' }).end('{}');
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** Writes rule files into a fresh directory. */
export async function rulesDir(files: Record<string, string>): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-rules-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * `vigil start <services>` on the test broker and PostgreSQL (the services should include
 * `incidents` and `remediation`), waiting until both consumers run. `{port}` in an env value becomes the process's HTTP port. Its consumer groups
 * are `<groupPrefix>-incidents` and `<groupPrefix>-remediation`.
 */
export async function startIncidents(services: string[], env: Record<string, string>): Promise<{ vigil: VigilProcess; api: Api; groupPrefix: string }> {
  const [port] = await freePorts(1);
  const groupPrefix = env.VIGIL_GROUP_PREFIX ?? `inc-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const vigil = new VigilProcess(['start', ...services, '--port', String(port)], {
    KAFKA_BROKERS: brokers(),
    VIGIL_DEMO: 'false',
    VIGIL_GROUP_PREFIX: groupPrefix,
    VIGIL_DATABASE_URL: DATABASE_URL,
    VIGIL_API_TOKENS: `ops:${TOKEN}`,
    INCIDENTS_SWEEP_MS: '200',
    ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replaceAll('{port}', String(port))])),
  });
  try {
    await vigil.until(() => vigil.output.includes('incidents consuming aiops.anomalies') && vigil.output.includes('remediation consuming aiops.incidents'), 60_000, 'the incidents and remediation consumers');
    await vigil.serving();
  } catch (err) {
    await vigil.stop();
    throw err;
  }
  return { vigil, api: new Api(`http://127.0.0.1:${port}`, vigil), groupPrefix };
}

/** The incidents HTTP API of a `vigil` process; a request it cannot make says what became of the process. */
export class Api {
  constructor(
    readonly base: string,
    private readonly process?: VigilProcess,
  ) {}

  private async fetch(path: string, init?: RequestInit): Promise<Response> {
    try {
      return await fetch(this.base + path, init);
    } catch (err) {
      throw new Error(`${init?.method ?? 'GET'} ${path}: ${(err as Error).message} (${(err as { cause?: Error }).cause?.message ?? ''})${this.process ? `\n${this.process.report()}` : ''}`);
    }
  }

  async get<T>(path: string): Promise<T> {
    const res = await this.fetch(path);
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** POST with the test's token (or `token`, or none when null); returns status and JSON. */
  async post(path: string, body: object = {}, token: string | null = TOKEN): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await this.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  }

  async metrics(): Promise<string> {
    return (await this.fetch('/metrics')).text();
  }
}

export interface AnomalyOpts {
  kind?: string;
  labels?: Record<string, string>;
  score?: number;
  timestamp?: number;
}

/** An aiops.anomalies record as the detector writes it. */
export function anomaly(entity: string, n: number, o: AnomalyOpts = {}): { topic: string; key: string; value: string } {
  const timestamp = o.timestamp ?? Date.now();
  const value = {
    id: `${entity}-a${n}-${timestamp}`,
    entity,
    timestamp,
    source: 'metrics',
    score: o.score ?? 0.8,
    threshold: 0.5,
    scorer: 'test',
    model_version: 'test',
    window: { start: timestamp - 60_000, end: timestamp },
    contributions: [{ metric: 'latency_p99_seconds', share: 0.7 }],
    labels: { top_metric: 'latency_p99_seconds', ...(o.labels ?? {}) },
    kind: o.kind ?? 'metric_anomaly',
  };
  return { topic: 'aiops.anomalies', key: entity, value: JSON.stringify(value) };
}

export interface IncidentJson {
  id: string;
  entity: string;
  status: string;
  occurrences: number;
  false_positive: boolean;
}
export interface ActionJson {
  id: string;
  incident_id: string;
  rule: string;
  status: string;
  reason: string | null;
  attempts: number;
  entity: string;
}

export async function incidentsOf(api: Api, entity: string): Promise<IncidentJson[]> {
  const all = await Promise.all(['open', 'acknowledged', 'resolved'].map((s) => api.get<{ incidents: IncidentJson[] }>(`/incidents?status=${s}&entity=${encodeURIComponent(entity)}`)));
  return all.flatMap((a) => a.incidents);
}

export async function actionsOf(api: Api, incidentId: string): Promise<ActionJson[]> {
  return (await api.get<{ actions: ActionJson[] }>(`/actions?incident_id=${incidentId}`)).actions;
}

/**
 * Waits for the receiver's first request; when none comes, the error names every action of the
 * entity's incidents with its status and reason (a skip, such as a stale incident, says why).
 */
export async function firstWebhook(api: Api, entity: string, receiver: Receiver, ms: number): Promise<Received> {
  await until(() => receiver.requests.length > 0, ms, 'the webhook request').catch(async (err: Error) => {
    const incidents = await incidentsOf(api, entity).catch(() => []);
    const rows = await Promise.all(incidents.map(async (i) => ({ i, actions: await actionsOf(api, i.id).catch(() => []) })));
    const lines = rows.map(({ i, actions }) => `incident ${i.id} (${i.status}, ${i.occurrences} finding(s)): ${actions.map((a) => `${a.rule} ${a.status}: ${a.reason ?? ''}`).join('; ') || 'no action'}`);
    throw new Error(`${err.message}\n${lines.join('\n')}`);
  });
  return receiver.requests[0]!;
}

/** A TCP proxy in front of PostgreSQL that the test can cut and restore: a database outage, for real. */
export class PgProxy extends TcpProxy {
  constructor(host = 'localhost', port = 5432) {
    super(host, port);
  }

  get url(): string {
    const u = new URL(DATABASE_URL);
    u.host = `127.0.0.1:${this.port}`;
    return u.toString();
  }
}
