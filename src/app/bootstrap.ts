import 'reflect-metadata';
import { Logger, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '../platform/config/options.js';
import { countHttpRequests } from '../platform/http/http-metrics.js';
import { vigilLogger } from '../platform/logging/vigil-logger.js';
import { setupTracing } from '../platform/tracing/tracing.js';
import { startFlowLog } from '../platform/app/flow-log.js';
import { PlatformModule } from '../platform/app/platform.module.js';
import { SERVICES, defaultServices } from './services.js';

@Module({})
class VigilAppModule {}

export interface StartOptions {
  services?: string[];
  port?: number;
}

/** Starts the named services (default: all) in this process, on Kafka or the in-process bus. */
export async function startVigil(options: StartOptions = {}): Promise<INestApplication> {
  const config = loadConfig();
  const names = options.services?.length ? options.services : defaultServices(config.demo);
  const unknown = names.filter((n) => !SERVICES[n]);
  if (unknown.length > 0) throw new Error(`unknown service ${unknown.join(', ')}; known: ${Object.keys(SERVICES).join(', ')}`);
  setupTracing(names.length === 1 ? `vigil-${names[0]}` : 'vigil');
  const modules = await Promise.all(names.map((n) => SERVICES[n]!()));
  const root: DynamicModule = { module: VigilAppModule, imports: [PlatformModule, ...modules] };
  const app = await NestFactory.create<NestFastifyApplication>(root, new FastifyAdapter({ bodyLimit: 16 * 1024 * 1024 }), {
    logger: vigilLogger(),
  });
  countHttpRequests(app.getHttpAdapter().getInstance());
  // Nest runs beforeApplicationShutdown (consumers finish and commit), then onApplicationShutdown
  // (disconnect); then exit 0, so a supervisor sees a clean stop rather than death by signal.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  logFinalStop(names);
  const port = options.port ?? config.httpPort;
  await app.listen(port, config.httpHost);
  new Logger('Vigil').log(`running ${names.join(', ')}; http://localhost:${port}/metrics, /health/ready`);
  // Several services and no demo (whose own flow log says more): still a line of what flows, so a
  // quiet pipeline on Kafka is not mistaken for a stuck one.
  if (names.length > 1 && !names.includes('demo')) startFlowLog();
  return app;
}

/**
 * The last line of a graceful stop, so an operator knows the process is done (not hung, not
 * killed): printed at exit after SIGTERM or SIGINT, once Nest's shutdown hooks have run.
 */
function logFinalStop(names: string[]): void {
  let signal: string | undefined;
  for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => (signal ??= s));
  process.once('exit', (code) => {
    if (signal) new Logger('Vigil').log(`stopped ${names.join(', ')} on ${signal} (exit code ${code}): batches in hand committed, consumers and bus disconnected`);
  });
}
