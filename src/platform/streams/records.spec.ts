import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { forTypes, generateRecordTypes, RECORDS_DIR, SCHEMAS_DIR, staleFiles, typeName } from '../../../scripts/record-types.js';

describe('record types (src/platform/streams/records)', () => {
  it('are what npm run gen:records makes of streams/schemas today', async () => {
    const fresh = await generateRecordTypes(SCHEMAS_DIR);
    expect(staleFiles(RECORDS_DIR, fresh), 'run npm run gen:records and commit').toEqual([]);
  });

  it('name a topic as a type', () => {
    expect(typeName('aiops.anomalies')).toBe('AiopsAnomalies');
    expect(typeName('otlp_logs')).toBe('OtlpLogs');
  });

  it('type an if/then/else schema as the union of its branches', () => {
    const then = { $ref: '#/$defs/batch' };
    const otherwise = { $ref: '#/$defs/sample' };
    expect(forTypes({ title: 't', if: { required: ['samples'] }, then, else: otherwise })).toEqual({ title: 't', anyOf: [then, otherwise] });
    expect(() => forTypes({ title: 't', if: {}, then })).toThrow(/both then and else/);
  });

  it('keep the meaning of telemetry.metrics: its if/then/else and their union accept the same records', () => {
    const schema = JSON.parse(readFileSync(`${SCHEMAS_DIR}/telemetry.metrics.schema.json`, 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    const asWritten = ajv.compile(schema);
    const asTyped = ajv.compile({ ...forTypes(schema), $id: 'as-typed' });
    const point = { metric: 'cpu', timestamp: 1, value: 0.5 };
    const records = [
      { entity: 'a', ...point },
      { entity: 'a', samples: [point] },
      { entity: 'a', samples: [] },
      { entity: 'a', ...point, samples: [point] },
      { entity: 'a', samples: [{ ...point, entity: 'b' }] },
      { entity: 'a', metric: 'cpu', timestamp: 1 },
      { entity: 'a' },
    ];
    for (const r of records) expect(asTyped(r), JSON.stringify(r)).toBe(asWritten(r));
  });
});
