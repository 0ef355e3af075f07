import { quietKafkaJsTimeoutWarning } from '../../src/platform/cli/quiet-warnings.js';

quietKafkaJsTimeoutWarning();
