/**
 * One series identity for every service: tenant + entity + metric name + its labels, sorted by
 * name. Ingest keys counter rates by it, the detector and the predictor key their per-series
 * state and vector slots by it, so two series of one metric name (node_exporter's
 * `node_cpu_seconds_total{cpu="0",mode="idle"}` and `{cpu="1",mode="user"}`) never share a slot.
 */
export interface SeriesIdentity {
  readonly tenant?: string;
  readonly entity: string;
  readonly metric: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The stable string key of a series: a JSON array `[tenant, entity, metric, name1, value1, ...]`
 * with the labels sorted by name (no tenant: ""). JSON, so any character in a name or value
 * is safe and the key decodes back (`parseSeriesKey`): a stored model's slots name their series.
 */
export function seriesKey(s: SeriesIdentity): string {
  const parts: string[] = [s.tenant ?? '', s.entity, s.metric];
  const labels = s.labels;
  if (labels) for (const name of Object.keys(labels).sort()) parts.push(name, labels[name]!);
  return JSON.stringify(parts);
}

/** True for a string `seriesKey` made (a stored model written before series identity holds bare metric names). */
export function isSeriesKey(key: string): boolean {
  return key.startsWith('["');
}

/** The identity a key was made from; throws on a string that is not a series key. */
export function parseSeriesKey(key: string): Required<SeriesIdentity> {
  let parts: unknown;
  try {
    parts = JSON.parse(key);
  } catch {
    parts = undefined;
  }
  if (!Array.isArray(parts) || parts.length < 3 || parts.length % 2 === 0 || parts.some((p) => typeof p !== 'string')) throw new Error(`not a series key: ${key}`);
  const [tenant, entity, metric, ...rest] = parts as string[];
  const labels: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) labels[rest[i]!] = rest[i + 1]!;
  return { tenant: tenant!, entity: entity!, metric: metric!, labels };
}

/**
 * The series as an operator reads it, in Prometheus' notation: `metric{a="x",b="y"}` (labels
 * sorted, values escaped as PromQL does), or the bare name when it has no labels. Tenant and
 * entity are not part of it: events and logs carry them beside it. Longer than `maxLength`:
 * cut, ending in `…`.
 */
export function seriesName(metric: string, labels: Readonly<Record<string, string>> = {}, maxLength = Infinity): string {
  const names = Object.keys(labels).sort();
  const name = names.length === 0 ? metric : `${metric}{${names.map((n) => `${n}=${quote(labels[n]!)}`).join(',')}}`;
  return name.length <= maxLength ? name : `${name.slice(0, Math.max(0, maxLength - 1))}…`;
}

/** The readable name of a key (`seriesName` of its metric and labels). */
export function seriesNameOfKey(key: string, maxLength = Infinity): string {
  const s = parseSeriesKey(key);
  return seriesName(s.metric, s.labels, maxLength);
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
