import { parseCatalogue, type Catalogue, type RawCatalogue, type RawTopic } from '../../src/platform/streams/catalogue.js';
import { uniqueTopic } from './kafka.js';

/** A catalogue of fresh topics for one test, each reusing a real schema from streams/schemas. */
export function testCatalogue(
  topics: Record<string, { schema: string; partitions?: number; dlq?: boolean; maxMessageBytes?: number }>,
): { catalogue: Catalogue; names: Record<string, string>; raw: RawCatalogue } {
  const names: Record<string, string> = {};
  const raw: Record<string, RawTopic> = {};
  for (const [alias, t] of Object.entries(topics)) {
    const name = uniqueTopic(`t-${alias}`);
    names[alias] = name;
    raw[name] = {
      key: 'test',
      partitions: t.partitions ?? 3,
      retention: '1h',
      cleanup: 'delete',
      schema: `${t.schema}.schema.json`,
      dlq: t.dlq ?? true,
      ...(t.maxMessageBytes ? { maxMessageBytes: t.maxMessageBytes } : {}),
    };
    names[`${alias}.dlq`] = `${name}.dlq`;
  }
  return { catalogue: parseCatalogue({ topics: raw }, 'test catalogue'), names, raw: { topics: raw } };
}
