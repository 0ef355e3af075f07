import type { OutRecord } from './types.js';

/** Records by topic, each topic's in their order: one append request (and one send span) per topic. */
export function groupByTopic(records: readonly OutRecord[]): Map<string, OutRecord[]> {
  const byTopic = new Map<string, OutRecord[]>();
  for (const r of records) {
    const list = byTopic.get(r.topic);
    if (list) list.push(r);
    else byTopic.set(r.topic, [r]);
  }
  return byTopic;
}
