import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { LocalBroker, freePorts } from '../../src/platform/kafka/local-broker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    /** Set when the tests own the broker (and may kill and restart it). */
    kafkaDir: string;
    kafkaPort: number;
  }
}

/**
 * Integration tests run against a real Kafka broker: the one KAFKA_BROKERS names, or a fresh
 * single-node KRaft broker started here from the cached Maven Central jars and stopped after.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Tests that start `vigil` as a process run the build: make sure it is the current source.
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (process.env.KAFKA_BROKERS) {
    project.provide('kafkaBrokers', process.env.KAFKA_BROKERS);
    project.provide('kafkaDir', '');
    project.provide('kafkaPort', 0);
    return async () => {};
  }
  // A broker of this run's own — its own ports and directory — so runs side by side (CI in a
  // clone, a developer's run) never share or stop each other's broker.
  const [port, controllerPort] = await freePorts(2);
  const dir = `.vigil/test-kafka-${process.pid}`;
  const broker = new LocalBroker({ dir, port, controllerPort });
  await broker.start(120_000);
  project.provide('kafkaBrokers', broker.bootstrap);
  project.provide('kafkaDir', broker.dir);
  project.provide('kafkaPort', broker.port);
  return async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
