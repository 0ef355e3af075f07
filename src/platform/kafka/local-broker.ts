import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import kafkajs from 'kafkajs';
import { envString } from '../config/env-values.js';
import { isBrokerProcess, recordedPorts } from './broker-process.js';

/**
 * A real single-node Apache Kafka (KRaft, broker and controller in one JVM) for development,
 * tests, benchmarks and CI: the jars come from Maven Central through Maven (cached), the store
 * is formatted once, the broker listens on loopback only.
 */
export const KAFKA_VERSION = envString(process.env, 'VIGIL_KAFKA_VERSION', '4.1.1', { emptyIsValue: true });
const LOG4J_VERSION = '2.24.3';

export interface LocalBrokerOptions {
  /** Where the broker keeps its log, pid file and data (default .vigil/kafka). */
  dir?: string;
  port?: number;
  controllerPort?: number;
  heapMb?: number;
  /**
   * JIT the broker fully, as a production JVM does (default false: the C1 compiler only, which
   * starts sooner for tests but runs the broker slower; benchmarks want the real thing).
   */
  fullJit?: boolean;
  /** Extra server.properties lines (listeners for TLS/SASL tests, for example). */
  extraProperties?: Record<string, string>;
  /** Extra `kafka-storage format` arguments, e.g. `--add-scram` credentials (KRaft stores them from the start). */
  formatArgs?: string[];
  log?: (msg: string) => void;
}

export function cacheDir(): string {
  return envString(process.env, 'VIGIL_CACHE_DIR', join(homedir(), '.cache', 'vigil'), { emptyIsValue: true });
}

/** Downloads the broker's jars once (Maven resolves kafka_2.13 and its dependencies). */
export function fetchKafka(log: (m: string) => void = console.error): string {
  const dir = join(cacheDir(), `kafka-${KAFKA_VERSION}`);
  const libs = join(dir, 'libs');
  if (existsSync(join(libs, `kafka_2.13-${KAFKA_VERSION}.jar`))) return libs;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.vigil</groupId><artifactId>kafka-broker</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>${LOG4J_VERSION}</version></dependency>
  </dependencies>
</project>
`,
  );
  log(`fetching Apache Kafka ${KAFKA_VERSION} from Maven Central into ${libs}`);
  const r = spawnSync('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'], {
    cwd: dir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`mvn could not fetch Kafka ${KAFKA_VERSION} (exit ${r.status ?? r.signal})`);
  return libs;
}

export class LocalBroker {
  readonly dir: string;
  readonly port: number;
  readonly controllerPort: number;
  private readonly log: (m: string) => void;

  constructor(private readonly options: LocalBrokerOptions = {}) {
    this.dir = resolve(options.dir ?? '.vigil/kafka');
    // Without a port, the one this directory's broker was last started with (so `vigil kafka
    // status` and `stop` find a broker started with --port), else Kafka's 9092.
    const recorded = options.port === undefined ? recordedPorts(join(this.dir, 'server.properties')) : undefined;
    this.port = options.port ?? recorded?.port ?? 9092;
    this.controllerPort = options.controllerPort ?? recorded?.controllerPort ?? this.port + 1;
    this.log = options.log ?? ((m) => console.error(m));
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  private get pidFile(): string {
    return join(this.dir, 'broker.pid');
  }

  /** The running broker's pid, if any: never a pid the OS has since given to another process. */
  pid(): number | undefined {
    if (!existsSync(this.pidFile)) return undefined;
    const pid = Number(readFileSync(this.pidFile, 'utf8'));
    return isBrokerProcess(pid, this.propsFile) ? pid : undefined;
  }

  private get propsFile(): string {
    return join(this.dir, 'server.properties');
  }

  /** Starts the broker in the background (formatting its store the first time) and waits until it answers. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.pid()) {
      await this.waitUntilReady(timeoutMs);
      return;
    }
    const libs = fetchKafka(this.log);
    mkdirSync(this.dir, { recursive: true });
    const props = this.writeConfig();
    const classpath = `${libs}/*`;
    const data = join(this.dir, 'data');
    if (!existsSync(join(data, 'meta.properties'))) {
      const id = spawnSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' });
      const clusterId = id.stdout.trim().split('\n').at(-1);
      const f = spawnSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId ?? '', '-c', props, ...(this.options.formatArgs ?? [])], {
        encoding: 'utf8',
      });
      if (f.status !== 0) throw new Error(`formatting the KRaft store failed: ${f.stderr || f.stdout}`);
    }
    const out = openSync(join(this.dir, 'broker.log'), 'a');
    const child = spawn(
      'java',
      [
        `-Xmx${this.options.heapMb ?? 768}m`,
        '-XX:+UseG1GC',
        ...(this.options.fullJit ? [] : ['-XX:TieredStopAtLevel=1']),
        `-Dlog4j2.configurationFile=${join(this.dir, 'log4j2.properties')}`,
        // snappy-java unpacks its native library on every start and deletes it only on a clean
        // exit: in the broker's own directory, a killed broker leaves nothing in /tmp.
        `-Dorg.xerial.snappy.tempdir=${this.dir}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        props,
      ],
      { detached: true, stdio: ['ignore', out, out] },
    );
    child.unref();
    writeFileSync(this.pidFile, String(child.pid));
    this.log(`kafka ${KAFKA_VERSION} starting on ${this.bootstrap} (pid ${child.pid}, log ${join(this.dir, 'broker.log')})`);
    await this.waitUntilReady(timeoutMs);
  }

  /** Resolves once the broker serves metadata and accepts an admin request. */
  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const kafka = new kafkajs.Kafka({
      brokers: [this.bootstrap],
      logLevel: kafkajs.logLevel.NOTHING,
      connectionTimeout: 1000,
      retry: { retries: 0 },
    });
    for (;;) {
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.describeCluster();
        await admin.disconnect();
        return;
      } catch (err) {
        await admin.disconnect().catch(() => {});
        if (Date.now() > deadline) throw new Error(`kafka on ${this.bootstrap} did not answer within ${timeoutMs} ms: ${(err as Error).message}`);
        if (!this.pid()) throw new Error(`kafka exited during start; see ${join(this.dir, 'broker.log')}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Controlled shutdown (SIGTERM), SIGKILL if it takes longer than `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<void> {
    const pid = this.pid();
    if (!pid) return;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (this.pid() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (this.pid() === pid) process.kill(pid, 'SIGKILL');
    while (this.pid()) await new Promise((r) => setTimeout(r, 100));
    rmSync(this.pidFile, { force: true });
    this.log(`kafka on ${this.bootstrap} stopped`);
  }

  /** SIGKILL, for crash tests: no controlled shutdown, the store is left as a crash leaves it. */
  kill(): void {
    const pid = this.pid();
    if (pid) process.kill(pid, 'SIGKILL');
  }

  /** Removes the broker's data (it must be stopped). */
  wipe(): void {
    if (this.pid()) throw new Error('stop the broker before wiping it');
    for (const f of existsSync(this.dir) ? readdirSync(this.dir) : []) rmSync(join(this.dir, f), { recursive: true, force: true });
  }

  private writeConfig(): string {
    const file = this.propsFile;
    const props: Record<string, string> = {
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': `1@127.0.0.1:${this.controllerPort}`,
      listeners: `PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${this.port}`,
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'log.dirs': join(this.dir, 'data'),
      'num.partitions': '1',
      'offsets.topic.replication.factor': '1',
      'offsets.topic.num.partitions': '10',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'share.coordinator.state.topic.replication.factor': '1',
      'share.coordinator.state.topic.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
      'auto.create.topics.enable': 'false',
      'log.flush.interval.messages': '9223372036854775807',
      ...this.options.extraProperties,
    };
    writeFileSync(file, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    writeFileSync(
      join(this.dir, 'log4j2.properties'),
      [
        'appender.out.type=Console',
        'appender.out.name=out',
        'appender.out.layout.type=PatternLayout',
        'appender.out.layout.pattern=[%d] %p %m (%c)%n',
        'rootLogger.level=WARN',
        'rootLogger.appenderRef.out.ref=out',
        'logger.kafka.name=kafka.server.KafkaRaftServer',
        'logger.kafka.level=INFO',
      ].join('\n') + '\n',
    );
    return file;
  }
}

/** Ports the OS says are free now (bound to port 0, then released), for brokers side by side. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((resolve) => {
          const s = createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
