import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalBroker } from './local-broker.js';

describe('a local broker directory remembers its ports', () => {
  it('LocalBroker without a port takes the one its server.properties was written with, else 9092', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-broker-ports-'));
    try {
      expect(new LocalBroker({ dir }).bootstrap).toBe('127.0.0.1:9092');
      writeFileSync(join(dir, 'server.properties'), 'node.id=1\nlisteners=PLAINTEXT://127.0.0.1:19192,CONTROLLER://127.0.0.1:19193\n');
      const b = new LocalBroker({ dir });
      expect([b.port, b.controllerPort]).toEqual([19192, 19193]);
      expect(new LocalBroker({ dir, port: 29092 }).bootstrap).toBe('127.0.0.1:29092');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
