import { seededRandom } from '../platform/random.js';
import { DEFAULT_DEMO, type DemoOptions } from './options.js';
import type { DemoSample } from './types.js';

/**
 * The built-in demo stream: a small fleet of hosts whose eight metrics follow a daily cycle
 * (compressed so a "day" passes in minutes) with noise, and now and then one host goes wrong —
 * latency and errors climb while throughput drops — so there is something to find.
 */
export const DEMO_METRICS = [
  'cpu_utilization',
  'memory_used_ratio',
  'request_rate',
  'latency_p99_seconds',
  'error_ratio',
  'disk_used_ratio',
  'network_in_bytes',
  'gc_pause_seconds',
] as const;

/** Which host is faulty at `step`, if any. */
export function faultyHost(step: number, o: DemoOptions): number | undefined {
  if (step < o.firstFault) return undefined; // a clean start for detectors to learn from
  const k = step - o.firstFault;
  return k % o.faultEvery < o.faultLength ? Math.floor(k / o.faultEvery) % o.hosts : undefined;
}

/**
 * All samples of one step: deterministic given the seed, the step and the timestamp. The cycles
 * follow the timestamp, not the step, so a restarted demo goes on where the fleet was (its state
 * restored, the detector sees no jump); the faults follow the step, counted from the start.
 */
export function demoStep(step: number, timestamp: number, o: DemoOptions = DEFAULT_DEMO): DemoSample[] {
  const rand = seededRandom(o.seed * 1_000_003 + step);
  const seconds = timestamp / 1000;
  const day = Math.sin((2 * Math.PI * seconds) / o.dayLength); // -1..1, the (compressed) daily cycle
  const faulty = faultyHost(step, o);
  const out: DemoSample[] = [];
  for (let h = 0; h < o.hosts; h++) {
    const entity = `demo-host-${String(h).padStart(2, '0')}`;
    const load = 0.5 + 0.3 * day + 0.05 * (h / o.hosts);
    const fault = faulty === h ? 1 : 0;
    const noise = () => (rand() - 0.5) * 2;
    const values: Record<(typeof DEMO_METRICS)[number], number> = {
      cpu_utilization: clamp(load * 0.8 + 0.03 * noise() + fault * 0.15, 0, 1),
      memory_used_ratio: clamp(0.55 + 0.05 * day + 0.01 * noise(), 0, 1),
      request_rate: Math.max(0, 400 * load + 15 * noise() - fault * 250),
      latency_p99_seconds: Math.max(0.01, 0.12 + 0.04 * load + 0.01 * noise() + fault * 0.9),
      error_ratio: clamp(0.002 + 0.001 * noise() + fault * 0.12, 0, 1),
      disk_used_ratio: clamp(0.4 + 0.05 * Math.sin((2 * Math.PI * seconds) / 86_400) + 0.002 * noise(), 0, 1),
      network_in_bytes: Math.max(0, 2e6 * load + 1e5 * noise()),
      gc_pause_seconds: Math.max(0, 0.01 + 0.004 * noise() + fault * 0.05),
    };
    for (const metric of DEMO_METRICS) {
      out.push({ entity, metric, timestamp, value: round(values[metric]), labels: { service: 'demo-shop', env: 'demo' } });
    }
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
