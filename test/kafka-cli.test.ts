import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBroker, freePorts } from '../src/platform/kafka/local-broker.js';

/** `vigil <args>` from the build; its exit code and output, whatever the code. */
function vigil(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/main.js', ...args], { env: { ...process.env, NO_COLOR: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/**
 * `vigil kafka start --port P` as the README has a newcomer run it, then `status` and `stop`
 * without the port: they report (and stop) the broker on the port it was started with.
 */
describe('vigil kafka start / status / stop', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kafka-cli-'));
  afterAll(async () => {
    // Stopped by the pid file of this directory's broker, should the test have failed half-way.
    await new LocalBroker({ dir }).stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('status and stop remember the port a broker was started with', async () => {
    const [port] = await freePorts(1);
    const started = await vigil(['kafka', 'start', '--dir', dir, '--port', String(port!)]);
    expect(started.code, started.out).toBe(0);
    expect(started.out).toContain(`KAFKA_BROKERS=127.0.0.1:${port}`);
    expect(started.out, 'colour codes').not.toMatch(/\x1b\[/);

    const status = await vigil(['kafka', 'status', '--dir', dir]);
    expect(status.code, status.out).toBe(0);
    expect(status.out).toMatch(new RegExp(`^running \\(pid \\d+\\) on 127\\.0\\.0\\.1:${port}$`, 'm'));

    const stopped = await vigil(['kafka', 'stop', '--dir', dir]);
    expect(stopped.code, stopped.out).toBe(0);
    expect(stopped.out).toContain(`kafka on 127.0.0.1:${port} stopped`);

    const after = await vigil(['kafka', 'status', '--dir', dir]);
    expect(after.code).toBe(1);
    expect(after.out.trim()).toBe('not running');
  }, 240_000);
});
