/**
 * Try the logs commands before they are wired into `vigil`:
 *   npx tsx src/logs/try-logs-cli.ts logs parse-eval --input /work/shared/data/logs/loghub-2k
 */
import { Command } from 'commander';
import { registerLogsCommands } from './logs.commands.js';

const program = new Command('vigil-logs');
registerLogsCommands(program);
await program.parseAsync(process.argv);
