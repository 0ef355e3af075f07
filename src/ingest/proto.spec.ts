import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { TYPES, decodeProto, parseProtoFiles, protoRoot } from './proto-root.js';

describe('protobuf types', () => {
  it('the committed descriptor is what the .proto files say (rerun proto/write-descriptor.ts after editing them)', () => {
    expect(protoRoot().toJSON()).toEqual(parseProtoFiles().toJSON());
  });

  it('reads a WriteRequest encoded by hand with the public prompb field numbers', () => {
    // Label{name=1, value=2}; Sample{value=1 double, timestamp=2 int64}; TimeSeries{labels=1, samples=2}; WriteRequest{timeseries=1}.
    const label = protobuf.Writer.create().uint32((1 << 3) | 2).string('__name__').uint32((2 << 3) | 2).string('up').finish();
    const sample = protobuf.Writer.create().uint32((1 << 3) | 1).double(1.5).uint32((2 << 3) | 0).int64(1_700_000_000_000).finish();
    const series = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(label).uint32((2 << 3) | 2).bytes(sample).finish();
    const request = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(series).finish();
    expect(decodeProto(TYPES.writeRequest, request)).toEqual({
      timeseries: [{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1.5, timestamp: '1700000000000' }] }],
    });
  });
});
