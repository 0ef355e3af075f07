import { existsSync, readFileSync } from 'node:fs';

/**
 * Whether `pid` is a Kafka broker started with `propsFile`. A pid file outlives its process and
 * the OS hands pids out again (Linux wraps at 32,768 by default, soon on a busy CI machine): a
 * stale pid signalled without this check stops whatever process has it now. Reads /proc where
 * there is one (Linux; an exited, unreaped broker has an empty command line and counts as gone);
 * elsewhere it can only ask whether the pid exists.
 */
export function isBrokerProcess(pid: number, propsFile: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (existsSync('/proc/self/cmdline')) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return args.includes('kafka.Kafka') && args.includes(propsFile);
    } catch {
      return false; // no such process
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The listener ports a broker's server.properties (as LocalBroker writes it) gives: the PLAINTEXT
 * one clients use and the controller's. Undefined when there is no such file or line.
 */
export function recordedPorts(propsFile: string): { port: number; controllerPort: number | undefined } | undefined {
  if (!existsSync(propsFile)) return undefined;
  const listeners = /^listeners=(.*)$/m.exec(readFileSync(propsFile, 'utf8'))?.[1] ?? '';
  const portOf = (name: string) => {
    const m = new RegExp(`(?:^|,)${name}://[^,]*:(\\d+)`).exec(listeners);
    return m ? Number(m[1]) : undefined;
  };
  const port = portOf('PLAINTEXT');
  return port === undefined ? undefined : { port, controllerPort: portOf('CONTROLLER') };
}
