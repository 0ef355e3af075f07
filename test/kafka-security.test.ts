import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaConfigFromEnv } from '../src/platform/kafka/client-options.js';
import { KafkaBus } from '../src/platform/kafka/kafka-bus.js';
import { LocalBroker, freePorts } from '../src/platform/kafka/local-broker.js';
import { uniqueTopic } from './support/kafka.js';
import { TcpProxy } from './support/tcp-proxy.js';

const USERS = { plain: ['alice', 'alice-secret'], 'scram-sha-256': ['bob', 'bob-secret'], 'scram-sha-512': ['carol', 'carol-secret'] } as const;

/** A CA and a server certificate for 127.0.0.1, made with openssl for this run only. */
function makeCertificates(dir: string): { ca: string; keystore: string } {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=vigil-test-ca');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.cnf');
  // Kafka's PEM keystore: an unencrypted PKCS#8 key followed by the certificate.
  ssl('pkcs8', '-topk8', '-nocrypt', '-in', 'server.key', '-out', 'server.pk8');
  const keystore = join(dir, 'keystore.pem');
  writeFileSync(keystore, readFileSync(join(dir, 'server.pk8'), 'utf8') + readFileSync(join(dir, 'server.pem'), 'utf8'));
  return { ca: join(dir, 'ca.pem'), keystore };
}

/**
 * TLS and SASL as a client configures them from the environment (KAFKA_SSL_*, KAFKA_SASL_*),
 * against a broker of the test's own with a SASL_SSL listener: PLAIN and both SCRAM mechanisms,
 * a wrong password, and a client that does not trust the broker's certificate.
 */
describe('Kafka security from the environment', () => {
  let broker: LocalBroker;
  let certs: string;
  let ca: string;
  let bootstrap: string;

  beforeAll(async () => {
    certs = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
    const made = makeCertificates(certs);
    ca = made.ca;
    const [port, controllerPort, securePort] = await freePorts(3);
    bootstrap = `127.0.0.1:${securePort}`;
    const plainJaas = `org.apache.kafka.common.security.plain.PlainLoginModule required ${Object.values(USERS)
      .map(([u, p]) => `user_${u}="${p}"`)
      .join(' ')};`;
    broker = new LocalBroker({
      dir: `.vigil/test-kafka-secure-${process.pid}`,
      port: port!,
      controllerPort: controllerPort!,
      log: () => {},
      extraProperties: {
        listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},SASL_SSL://127.0.0.1:${securePort}`,
        'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},SASL_SSL://127.0.0.1:${securePort}`,
        'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL',
        'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
        'listener.name.sasl_ssl.plain.sasl.jaas.config': plainJaas,
        'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': made.keystore,
      },
      // KRaft keeps SCRAM credentials in its metadata log: they are added when the store is formatted.
      formatArgs: [
        '--add-scram',
        `SCRAM-SHA-256=[name=${USERS['scram-sha-256'][0]},password=${USERS['scram-sha-256'][1]}]`,
        '--add-scram',
        `SCRAM-SHA-512=[name=${USERS['scram-sha-512'][0]},password=${USERS['scram-sha-512'][1]}]`,
      ],
    });
    await broker.start(120_000);
  });

  afterAll(async () => {
    await broker?.stop();
    rmSync(broker?.dir ?? '', { recursive: true, force: true });
    rmSync(certs, { recursive: true, force: true });
  });

  for (const mechanism of Object.keys(USERS) as Array<keyof typeof USERS>) {
    it(`produces and consumes over SASL_SSL with ${mechanism.toUpperCase()}`, async () => {
      const [username, password] = USERS[mechanism];
      const env = { KAFKA_BROKERS: bootstrap, KAFKA_SSL_CA_FILE: ca, KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password };
      const bus = new KafkaBus({ ...kafkaConfigFromEnv(env), logLevel: 0 });
      try {
        await bus.connect();
        const topic = uniqueTopic(`secure-${mechanism}`);
        await bus.applyTopics([{ name: topic, partitions: 1, config: {} }]);
        await bus.send([{ topic, key: 'k', value: JSON.stringify({ hello: mechanism }) }]);
        const ends = await bus.endOffsets(topic);
        expect(ends.map((e) => Number(e.offset))).toEqual([1]);
      } finally {
        await bus.disconnect();
      }
    });
  }

  /**
   * Connects through a counting proxy in front of the secure listener: how many connections the
   * client opened tells a single attempt from retries (kafkajs would retry 8 times with backoff).
   */
  async function connectThroughProxy(env: Record<string, string>): Promise<{ err: Error | undefined; connections: number }> {
    const [host, port] = bootstrap.split(':') as [string, string];
    const proxy = new TcpProxy(host, Number(port));
    await proxy.start();
    const bus = new KafkaBus({ ...kafkaConfigFromEnv({ ...env, KAFKA_BROKERS: `127.0.0.1:${proxy.port}` }), logLevel: 0 });
    try {
      const err = await bus.connect().then(
        () => undefined,
        (e: Error) => e,
      );
      return { err, connections: proxy.connections };
    } finally {
      await bus.disconnect().catch(() => {});
      await proxy.stop();
    }
  }

  it('fails fast with a clear error on a wrong password, instead of retrying', async () => {
    const { err, connections } = await connectThroughProxy({ KAFKA_SSL_CA_FILE: ca, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'carol', KAFKA_SASL_PASSWORD: 'not-her-password' });
    expect(err?.message).toMatch(/authentication failed.*carol.*KAFKA_SASL_PASSWORD/i);
    expect(err?.message).not.toContain('not-her-password');
    expect(connections).toBe(1);
  });

  it('refuses a broker whose certificate the client does not trust, at the first attempt', async () => {
    const { err, connections } = await connectThroughProxy({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'alice', KAFKA_SASL_PASSWORD: 'alice-secret' });
    expect(err?.message).toMatch(/certificate.*KAFKA_SSL_CA_FILE/i);
    expect(connections).toBe(1);
  });
});
