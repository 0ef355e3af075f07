import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';

/**
 * NestJS's start-up chatter: the route table (one line per route), one line per module
 * initialised, "Starting Nest application". Useful when debugging the wiring, noise otherwise:
 * shown at debug. Vigil prints its own line once it is up.
 */
const FRAMEWORK_CONTEXTS = new Set(['RouterExplorer', 'RoutesResolver', 'InstanceLoader', 'NestFactory', 'NestApplication']);

const ORDER: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/**
 * VIGIL_LOG_LEVEL: the most detailed level printed — `error`, `warn`, `log` (default), `debug`
 * or `verbose` — and every level above it.
 */
export function logLevelsFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel[] {
  const raw = (env.VIGIL_LOG_LEVEL ?? '').trim().toLowerCase();
  const wanted = raw === '' ? 'log' : raw;
  const at = ORDER.indexOf(wanted as LogLevel);
  if (at < 0) throw new Error(`VIGIL_LOG_LEVEL must be one of ${ORDER.slice(1).join(', ')}, not "${env.VIGIL_LOG_LEVEL}"`);
  return ORDER.slice(0, at + 1);
}

/**
 * The one logger of a Vigil process (Nest's console format): framework chatter demoted to
 * debug, colours only on a terminal (a log file or a pipe gets plain text).
 */
export class VigilLogger extends ConsoleLogger {
  constructor(levels: LogLevel[] = logLevelsFromEnv()) {
    super({ logLevels: levels, colors: process.stdout.isTTY === true && !process.env.NO_COLOR, prefix: 'Vigil' });
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest.at(-1);
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) {
      super.debug(message, ...rest);
      return;
    }
    super.log(message, ...rest);
  }
}

let installed: VigilLogger | undefined;

/**
 * The process's logger, made once and given to Nest's static Logger, so `new Logger(ctx)` prints
 * through it everywhere — in CLI commands too, before any Nest application exists.
 */
export function vigilLogger(): VigilLogger {
  if (!installed) {
    installed = new VigilLogger();
    Logger.overrideLogger(installed);
  }
  return installed;
}
