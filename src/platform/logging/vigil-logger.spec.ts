import { afterEach, describe, expect, it, vi } from 'vitest';
import { VigilLogger, logLevelsFromEnv } from './vigil-logger.js';

describe('VigilLogger', () => {
  afterEach(() => vi.restoreAllMocks());

  it('VIGIL_LOG_LEVEL names the most detailed level printed (log by default)', () => {
    expect(logLevelsFromEnv({})).toEqual(['fatal', 'error', 'warn', 'log']);
    expect(logLevelsFromEnv({ VIGIL_LOG_LEVEL: 'debug' })).toEqual(['fatal', 'error', 'warn', 'log', 'debug']);
    expect(logLevelsFromEnv({ VIGIL_LOG_LEVEL: 'WARN' })).toEqual(['fatal', 'error', 'warn']);
    expect(() => logLevelsFromEnv({ VIGIL_LOG_LEVEL: 'chatty' })).toThrow(/VIGIL_LOG_LEVEL must be one of/);
  });

  it("prints NestJS's route table and module wiring only at debug; plain text, no colour codes, in a pipe", () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const quiet = new VigilLogger(['error', 'warn', 'log']);
    quiet.log('Mapped {/metrics, GET} route', 'RouterExplorer');
    quiet.log('MetricsController {/}:', 'RoutesResolver');
    quiet.log('PlatformModule dependencies initialized', 'InstanceLoader');
    quiet.log('[Flow] last 10 s', 'Flow');
    expect(out.join('')).not.toMatch(/Mapped|RoutesResolver|initialized/);
    expect(out.join('')).toMatch(/LOG \[Flow\] \[Flow\] last 10 s/);
    expect(out.join('')).not.toMatch(/\x1b\[/);
    out.length = 0;
    new VigilLogger(['error', 'warn', 'log', 'debug']).log('Mapped {/metrics, GET} route', 'RouterExplorer');
    expect(out.join('')).toMatch(/DEBUG \[RouterExplorer\] Mapped \{\/metrics, GET\} route/);
  });
});
