import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
// The .proto files compiled to protobufjs' JSON form: imported, so the build carries it to dist/
// (the image has no src/). `npx tsx src/ingest/proto/write-descriptor.ts` rewrites it; a spec
// checks it matches the .proto files.
import descriptor from './proto/descriptor.json' with { type: 'json' };

/** The .proto files, in the source tree. */
export const PROTO_DIR = fileURLToPath(new URL('../../src/ingest/proto/', import.meta.url));

const FILES = [
  'prometheus/remote.proto',
  'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  'google/rpc/status.proto',
];

let root: protobuf.Root | undefined;

/** The protobuf types the gateway reads and writes, loaded once from the compiled descriptor. */
export function protoRoot(): protobuf.Root {
  if (!root) {
    root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
    root.resolveAll();
  }
  return root;
}

/** The same types parsed from the .proto files (source tree only): what the descriptor is made from. */
export function parseProtoFiles(): protobuf.Root {
  const r = new protobuf.Root();
  // Imports are written from the proto root (as upstream does), not relative to the importer.
  r.resolvePath = (_origin, target) => (target.startsWith('/') ? target : join(PROTO_DIR, target));
  r.loadSync(FILES, { keepCase: false });
  r.resolveAll();
  return r;
}

export const TYPES = {
  writeRequest: 'prometheus.WriteRequest',
  metricsRequest: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  metricsResponse: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  logsRequest: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
  logsResponse: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
  status: 'google.rpc.Status',
} as const;

/**
 * Protobuf bytes → a plain object shaped like OTLP/JSON's (lowerCamelCase names, 64-bit integers
 * as decimal strings, enums as numbers), so one normaliser reads both encodings. Bytes fields
 * (trace and span ids) stay Buffers; the normaliser turns them into hex.
 */
export function decodeProto(typeName: string, bytes: Uint8Array): Record<string, unknown> {
  const type = protoRoot().lookupType(typeName);
  const message = type.decode(bytes);
  return type.toObject(message, { longs: String, enums: Number, defaults: false, oneofs: false }) as Record<string, unknown>;
}

export function encodeProto(typeName: string, value: Record<string, unknown>): Uint8Array {
  const type = protoRoot().lookupType(typeName);
  return type.encode(type.fromObject(value)).finish();
}
