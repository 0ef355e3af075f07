/**
 * Standalone entry for the reco commands, for use before (and besides) the `vigil` CLI:
 *   npx tsx src/reco/reco.cli.ts reco evaluate --data FILE --split random --seed 1 --k 10 --json
 */
import { Command } from 'commander';
import { registerRecoCommands } from './reco.commands.js';

const program = new Command('vigil-reco');
registerRecoCommands(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
