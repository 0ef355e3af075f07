import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.js';
import { LocalBroker } from './local-broker.js';

/**
 * A broker's pid file outlives the broker, and the OS gives its pid to later processes: the
 * local broker must signal only its own broker, never whatever process now has that pid.
 */
describe('LocalBroker and its pid file', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A live node process (arguments after the script show in its command line), and a broker whose pid file names it. */
  function processInPidFile(args: (dir: string) => string[]): { child: ChildProcess; broker: LocalBroker } {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-broker-pid-'));
    dirs.push(dir);
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ...args(dir)], { stdio: 'ignore' });
    children.push(child);
    writeFileSync(join(dir, 'broker.pid'), String(child.pid));
    return { child, broker: new LocalBroker({ dir, log: () => {} }) };
  }

  it('leaves alone a process that took a stale pid: not reported running, not signalled by stop or kill', async () => {
    const { child, broker } = processInPidFile(() => []);
    expect(broker.pid()).toBeUndefined();
    await broker.stop();
    broker.kill();
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
    expect(child.kill(0)).toBe(true); // still there
  });

  it('stops its own broker: the process started with kafka.Kafka and this directory\'s server.properties', async () => {
    const { child, broker } = processInPidFile((dir) => ['kafka.Kafka', join(dir, 'server.properties')]);
    await until(() => broker.pid() === child.pid, 30_000, 'the process to show its command line');
    await broker.stop();
    await until(() => child.signalCode !== null, 30_000, 'the exit to be reported');
    expect(child.signalCode).toBe('SIGTERM');
    expect(broker.pid()).toBeUndefined();
  });
});
