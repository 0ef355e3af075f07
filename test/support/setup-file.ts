import { randomBytes } from 'node:crypto';
import { quietKafkaJsTimeoutWarning } from '../../src/platform/cli/quiet-warnings.js';

quietKafkaJsTimeoutWarning();

// Every test file gets its own topic namespace on the shared broker: services started with
// a fresh consumer group read their topics from the beginning, and must not wade through
// (or trip over) what earlier files wrote. The bus and `vigil` child processes pick it up.
process.env.VIGIL_TOPIC_PREFIX = `t${randomBytes(4).toString('hex')}.`;
