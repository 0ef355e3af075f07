import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBroker, freePorts } from '../src/platform/kafka/local-broker.js';
import { NpmStart } from './support/npm-start.js';

/** Bound on each wait: only a hang reaches it. */
const WAIT_MS = 240_000;

/** A line of Vigil's log: `[Vigil] <pid>  - <date>     LEVEL [Context] message`. */
const LOG_LINE = /^\[Vigil\] \d+\s+-\s+.+?\s+(LOG|WARN|ERROR|FATAL|DEBUG|VERBOSE) \[([^\]]+)\] (.*)$/;
/** What npm itself prints before the script: `> vigil@0.1.0 start` and the command. */
const NPM_HEADER = /^> /;

/**
 * WARN lines a newcomer may see in the first minute, each with where it is documented: the demo
 * announcing the fault it injects, and settings a first start does not have.
 */
const EXPECTED_WARNINGS: Array<{ context: string; message: RegExp }> = [
  { context: 'Demo', message: /^demo: injecting a fault on demo-host-\d+ / },
  // src/incidents/README.md: VIGIL_API_TOKENS (the incidents API's mutating calls need a token).
  { context: 'Incidents', message: /^VIGIL_API_TOKENS is empty: / },
];

interface Verdict {
  /** Lines neither Vigil's log format, npm's header nor the continuation of a multi-line entry. */
  foreign: string[];
  /** WARN/ERROR/FATAL entries not in EXPECTED_WARNINGS. */
  unexpected: string[];
  /** NestJS route-table or module-wiring lines. */
  framework: string[];
  flowLines: number;
}

/** Services whose WARN lines are findings: expected when they name a host the demo made faulty. */
const FINDERS = new Set(['Detector', 'Predictor']);

function judge(lines: string[]): Verdict {
  const v: Verdict = { foreign: [], unexpected: [], framework: [], flowLines: 0 };
  const faulty = new Set(lines.flatMap((l) => [.../injecting a fault on (demo-host-\d+)/.exec(l)?.slice(1) ?? []]));
  for (const line of lines) {
    const m = LOG_LINE.exec(line);
    if (!m) {
      if (!NPM_HEADER.test(line) && !/^\s/.test(line)) v.foreign.push(line);
      continue;
    }
    const [, level, context, message] = m as unknown as [string, string, string, string];
    if (['RouterExplorer', 'RoutesResolver', 'InstanceLoader'].includes(context) || /^Mapped \{/.test(message)) v.framework.push(line);
    if (context === 'Flow' && message.startsWith('last 10 s: ')) v.flowLines++;
    if (level === 'LOG' || level === 'DEBUG' || level === 'VERBOSE') continue;
    if (level === 'WARN' && EXPECTED_WARNINGS.some((w) => w.context === context && w.message.test(message))) continue;
    // A finding on a host the demo broke is the point of the demo; one on a healthy host is a false alarm.
    if (level === 'WARN' && FINDERS.has(context) && [...faulty].some((h) => new RegExp(`\\b${h}\\b`).test(message))) continue;
    v.unexpected.push(line);
  }
  return v;
}

/**
 * What a newcomer sees in the console: `npm start` with the demo, embedded and on a fresh real
 * broker, for its first minute (six flow lines, ten seconds apart, and the demo's first fault
 * found), then Ctrl-C. Only Vigil's own log lines, no client JSON, no route table, no WARN or
 * ERROR but the demo's injected fault and a documented missing setting, no colour codes in a
 * pipe, and a last line saying the process stopped cleanly.
 */
describe('the console of npm start', () => {
  let npm: NpmStart | undefined;
  let broker: LocalBroker | undefined;
  afterEach(async () => {
    npm?.dispose();
    npm = undefined;
    await broker?.stop();
    if (broker) rmSync(broker.dir, { recursive: true, force: true });
    broker = undefined;
  });

  async function watchFirstMinute(n: NpmStart, port: number): Promise<void> {
    const report = () => `the first minute: ${JSON.stringify(judge(n.lines()))}`;
    await n.until(() => n.lines().some((l) => /\[Vigil\] running /.test(l)), WAIT_MS, 'the "running" line');
    // A minute of flow lines, the fault injected and the faulty host flagged.
    await n.until(() => {
      const text = n.lines().join('\n');
      const host = /injecting a fault on (demo-host-\d+)/.exec(text)?.[1];
      return judge(n.lines()).flowLines >= 6 && host !== undefined && new RegExp(`anomaly ${host} `).test(text);
    }, WAIT_MS, report);
    const v = judge(n.lines());
    expect(v.foreign, 'lines outside Vigil\'s log (client JSON, raw prints)').toEqual([]);
    expect(v.framework, 'NestJS route table and wiring').toEqual([]);
    expect(v.unexpected, 'WARN/ERROR lines not about the demo fault or a documented setting').toEqual([]);
    expect(n.raw, 'colour codes in a pipe').not.toMatch(/\x1b\[/);
    // The remediation's decisions (the demo's rules are dry-run) are appended by the incidents
    // outbox, not a stage: they count in vigil_records_produced_total all the same.
    const produced = async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return Number(/^vigil_records_produced_total\{service="remediation",topic="aiops\.remediations"\} (\S+)$/m.exec(text)?.[1] ?? 0);
    };
    await n.until(async () => (await produced()) > 0, WAIT_MS, 'vigil_records_produced_total for aiops.remediations');

    await n.interrupt(WAIT_MS);
    const vigilLines = n.lines().filter((l) => LOG_LINE.test(l));
    expect(vigilLines.at(-1)).toMatch(/\[Vigil\] stopped .* on SIGINT \(exit code 0\)/);
    expect(judge(n.lines()).unexpected, 'WARN/ERROR lines during the stop').toEqual([]);
  }

  it('embedded with the demo (no broker configured)', async () => {
    const [port] = await freePorts(1);
    npm = new NpmStart(['--port', String(port)], {});
    await watchFirstMinute(npm, port!);
  }, 3 * WAIT_MS);

  it('on a fresh real broker with VIGIL_DEMO=true', async () => {
    const [port, kafkaPort, controllerPort] = await freePorts(3);
    broker = new LocalBroker({ dir: `.vigil/test-kafka-console-${process.pid}`, port: kafkaPort!, controllerPort: controllerPort!, log: () => {} });
    await broker.start(120_000);
    npm = new NpmStart(['--port', String(port)], { KAFKA_BROKERS: broker.bootstrap, VIGIL_DEMO: 'true', VIGIL_GROUP_PREFIX: `console-${Date.now()}` });
    await watchFirstMinute(npm, port!);
  }, 3 * WAIT_MS);
});
