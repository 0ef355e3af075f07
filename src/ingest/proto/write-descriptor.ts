/** Rewrites descriptor.json from the .proto files beside it: `npx tsx src/ingest/proto/write-descriptor.ts`. */
import { writeFileSync } from 'node:fs';
import { PROTO_DIR, parseProtoFiles } from '../proto-root.js';

writeFileSync(`${PROTO_DIR}descriptor.json`, `${JSON.stringify(parseProtoFiles().toJSON(), null, 1)}\n`);
console.log(`wrote ${PROTO_DIR}descriptor.json`);
