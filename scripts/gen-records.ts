/**
 * `npm run gen:records`: writes the topics' record types (src/platform/streams/records/) from
 * streams/schemas. With `--check` it writes nothing and fails when the committed files differ
 * from a fresh generation (CI runs it so).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { generateRecordTypes, RECORDS_DIR, SCHEMAS_DIR, staleFiles } from './record-types.js';

const fresh = await generateRecordTypes(SCHEMAS_DIR);
const stale = staleFiles(RECORDS_DIR, fresh);
if (process.argv.includes('--check')) {
  if (stale.length > 0) {
    console.error(`record types differ from streams/schemas in ${stale.join(', ')}: run npm run gen:records and commit`);
    process.exit(1);
  }
  console.log(`record types match streams/schemas (${fresh.size} files)`);
} else {
  mkdirSync(RECORDS_DIR, { recursive: true });
  for (const f of stale) {
    const text = fresh.get(f);
    if (text === undefined) rmSync(`${RECORDS_DIR}/${f}`);
    else writeFileSync(`${RECORDS_DIR}/${f}`, text);
  }
  console.log(`wrote ${stale.length} of ${fresh.size} record type files in src/platform/streams/records`);
}
