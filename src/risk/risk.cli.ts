/**
 * Stand-alone entry for the risk commands until they are reachable through `vigil`:
 *   npx tsx src/risk/risk.cli.ts risk evaluate --data FILE --test-from 2018-07-01
 */
import { Command } from 'commander';
import { registerRiskCommands } from './risk.commands.js';

const program = new Command('vigil-risk');
registerRiskCommands(program);
await program.parseAsync(process.argv);
