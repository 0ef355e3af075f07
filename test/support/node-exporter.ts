import { spawn, type ChildProcess } from 'node:child_process';
import { freePorts } from '../../src/platform/kafka/local-broker.js';
import { findBinary } from './prometheus.js';
import { until } from './until.js';

/**
 * Debian's `prometheus-node-exporter` (`apt-get install -y prometheus-node-exporter`) on a free
 * loopback port, as a child of the test: started by `start`, stopped by its own pid in `stop`.
 */
export class NodeExporter {
  output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
  ) {
    for (const s of [child.stdout!, child.stderr!]) s.setEncoding('utf8').on('data', (d: string) => (this.output += d));
  }

  /** Serving /metrics; on failure nothing is left running. */
  static async start(): Promise<NodeExporter> {
    const bin = findBinary('prometheus-node-exporter');
    if (!bin) throw new Error('prometheus-node-exporter not found: apt-get install -y prometheus-node-exporter (or set PROMETHEUS_NODE_EXPORTER_BIN)');
    const [port] = await freePorts(1);
    const address = `127.0.0.1:${port}`;
    const exporter = new NodeExporter(spawn(bin, [`--web.listen-address=${address}`], { stdio: ['ignore', 'pipe', 'pipe'] }), address);
    try {
      await until(
        async () => {
          if (exporter.child.exitCode !== null) throw new Error(`prometheus-node-exporter exited with ${exporter.child.exitCode}:\n${exporter.output}`);
          return (await fetch(`http://${address}/metrics`).catch(() => undefined))?.ok === true;
        },
        30_000,
        `prometheus-node-exporter on ${address}`,
      );
    } catch (err) {
      await exporter.stop();
      throw err;
    }
    return exporter;
  }

  /** SIGTERM to its pid (SIGKILL after 10 s). */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
