export * from './backtest/index.js';
export { registerDetectorCommands } from './detector.commands.js';
export * from './nab/index.js';
export * from './scoring/index.js';
