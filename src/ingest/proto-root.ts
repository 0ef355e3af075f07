import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** src/ingest/proto from src/ (tests) and dist/ (built) alike: the .proto files are read at start. */
export const PROTO_DIR = fileURLToPath(new URL('../../src/ingest/proto/', import.meta.url));

const FILES = [
  'prometheus/remote.proto',
  'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
];

let root: protobuf.Root | undefined;

/** The protobuf types the gateway reads and writes, loaded once from the .proto files. */
export function protoRoot(): protobuf.Root {
  if (!root) {
    const r = new protobuf.Root();
    // Imports are written from the proto root (as upstream does), not relative to the importer.
    r.resolvePath = (_origin, target) => (target.startsWith('/') ? target : join(PROTO_DIR, target));
    r.loadSync(FILES, { keepCase: false });
    r.resolveAll();
    root = r;
  }
  return root;
}

export const TYPES = {
  writeRequest: 'prometheus.WriteRequest',
  metricsRequest: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  metricsResponse: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  logsRequest: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
  logsResponse: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
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
