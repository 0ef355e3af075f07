/** Malformed and hostile bytes that no Vigil schema or endpoint accepts, shared by the fuzz tests. */
export function hostilePayloads(): Array<{ name: string; body: Buffer }> {
  return [
    { name: 'truncated JSON', body: Buffer.from('{"entity": "a", "value": ') },
    { name: 'invalid UTF-8', body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
    { name: 'NaN and Infinity', body: Buffer.from('{"entity": "a", "value": NaN, "timestamp": Infinity}') },
    { name: 'deep nesting', body: Buffer.from('['.repeat(50_000) + ']'.repeat(50_000)) },
    { name: 'prototype keys', body: Buffer.from('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}') },
    { name: 'JSON null', body: Buffer.from('null') },
    { name: 'a bare number', body: Buffer.from('1e309') },
  ];
}

export const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
