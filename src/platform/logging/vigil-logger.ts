import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import { envChoice, envString } from '../config/env-values.js';

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
  const wanted = envChoice(env, 'VIGIL_LOG_LEVEL', ORDER, 'log', { anyCase: true });
  return ORDER.slice(0, ORDER.indexOf(wanted) + 1);
}

/**
 * The one logger of a Vigil process (Nest's console format): framework chatter demoted to
 * debug, colours only on a terminal (a log file or a pipe gets plain text).
 */
export class VigilLogger extends ConsoleLogger {
  constructor(levels: LogLevel[] = logLevelsFromEnv()) {
    super({ logLevels: levels, colors: process.stdout.isTTY === true && envString(process.env, 'NO_COLOR', '', { asWritten: true }) === '', prefix: 'Vigil' });
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
