import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync, rmSync } from 'node:fs';
import { LocalBroker, freePorts } from '../../src/platform/kafka/local-broker.js';

/** What every benchmark prints with its figures: the machine and the broker. */
export function machine(): string {
  return `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} at the start`;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The broker the benchmark runs against: KAFKA_BROKERS, or a fresh local one it stops after. */
export async function benchBroker(): Promise<{ brokers: string; stop: () => Promise<void>; pid: () => number | undefined }> {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS, stop: async () => {}, pid: () => undefined };
  const [port, controllerPort] = await freePorts(2);
  const dir = `.vigil/bench-kafka-${process.pid}`;
  const broker = new LocalBroker({ dir, port, controllerPort, heapMb: 1024, fullJit: true });
  await broker.start(120_000);
  return {
    brokers: broker.bootstrap,
    stop: async () => {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    pid: () => broker.pid(),
  };
}

let clockTicks: number | undefined;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  // The fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Services under test run from dist/ (Nest needs decorator metadata): make it the current source. */
export function buildDist(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
