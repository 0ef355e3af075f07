#!/usr/bin/env node
import { Command } from 'commander';
import { registerDetectorCommands } from './detector/detector.commands.js';
import { registerLogsCommands } from './logs/logs.commands.js';
import { registerPredictorCommands } from './predictor/predictor.commands.js';
import { registerRecoCommands } from './reco/reco.commands.js';
import { registerRiskCommands } from './risk/risk.commands.js';
import { registerPlatformCommands } from './app/platform.commands.js';
import { vigilLogger } from './platform/logging/vigil-logger.js';
import { quietKafkaJsTimeoutWarning } from './platform/cli/quiet-warnings.js';

quietKafkaJsTimeoutWarning();
vigilLogger();

const program = new Command('vigil')
  .description('Vigil: event-driven AIOps on Kafka — detection, incidents, guarded remediation')
  .showHelpAfterError();
registerPlatformCommands(program);
registerDetectorCommands(program);
registerLogsCommands(program);
registerPredictorCommands(program);
registerRiskCommands(program);
registerRecoCommands(program);

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`vigil: ${err.message}`);
  process.exit(1);
});
