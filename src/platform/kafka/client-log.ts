import { Logger, type LogLevel } from '@nestjs/common';
import kafkajs, { type KafkaConfig, type LogEntry, type logCreator } from 'kafkajs';
import { logLevelsFromEnv } from '../logging/vigil-logger.js';

const { logLevel } = kafkajs;

/**
 * What kafkajs reports as an error or warning but retries by itself and is normal while a broker
 * starts, a topic was just created or a group forms: the group coordinator loading or not yet
 * elected, partitions without a leader yet (or led elsewhere than the metadata said), a rebalance. A problem that lasts ends in an error
 * the client does not retry (a consumer crash, a failed send), which Vigil logs itself.
 */
const TRANSIENT = [
  /coordinator is loading/i,
  /group coordinator is not available/i,
  /not the correct coordinator/i,
  /group is rebalancing/i,
  /no leader for this topic-partition/i,
  /leader is not available/i,
  /does not host this topic-partition/i,
  /not the leader for that topic-partition/i,
];

/**
 * Vigil bounds the idempotent producer's retries on purpose (KAFKA_RETRIES): an ingest request
 * gets a 503 instead of waiting for ever. Delivery is at-least-once with deterministic ids, so
 * the exactly-once caveat kafkajs warns about at every start is known and harmless here.
 */
const EXPECTED = [/Limiting retries for the idempotent producer may invalidate EoS guarantees/];

/** The level a kafkajs log entry is printed at in Vigil's log. */
export function kafkaLogLevel(entry: LogEntry): LogLevel {
  const text = `${entry.log.message} ${typeof entry.log.error === 'string' ? entry.log.error : ''}`;
  if (entry.level === logLevel.ERROR || entry.level === logLevel.WARN) {
    if (EXPECTED.some((re) => re.test(text)) || TRANSIENT.some((re) => re.test(text))) return 'debug';
    return entry.level === logLevel.ERROR ? 'error' : 'warn';
  }
  // The client's info (joins, starts, stops) is detail: debug, like its debug.
  return 'debug';
}

/** Fields of a kafkajs entry worth a reader's eye; the rest (timestamps, buffers, stacks) is left out. */
const FIELDS = ['groupId', 'memberId', 'topic', 'partition', 'broker', 'error', 'retryCount', 'retryTime'];

/** One line: `[Namespace] message (field=value, ...)`, never the client's JSON. */
export function formatKafkaLog(entry: LogEntry): string {
  const fields = FIELDS.filter((k) => entry.log[k] !== undefined && typeof entry.log[k] !== 'object').map((k) => `${k}=${String(entry.log[k])}`);
  const prefix = entry.namespace ? `[${entry.namespace}] ` : '';
  return `${prefix}${entry.log.message}${fields.length > 0 ? ` (${fields.join(', ')})` : ''}`;
}

const creator: logCreator = () => {
  const logger = new Logger('Kafka');
  return (entry) => {
    const level = kafkaLogLevel(entry);
    if (!Logger.isLevelEnabled(level)) return;
    const line = formatKafkaLog(entry);
    if (level === 'error') logger.error(line);
    else if (level === 'warn') logger.warn(line);
    else logger.debug(line);
  };
};

/**
 * kafkajs' log through Vigil's logger: its own level WARN (INFO when VIGIL_LOG_LEVEL asks for
 * debug), each entry at the level kafkaLogLevel gives it. A client config that sets `logLevel`
 * (tests quieten theirs) keeps it.
 */
export function kafkaClientLogging(env: NodeJS.ProcessEnv = process.env): Pick<KafkaConfig, 'logLevel' | 'logCreator'> {
  const detailed = logLevelsFromEnv(env).includes('debug');
  return { logLevel: detailed ? logLevel.INFO : logLevel.WARN, logCreator: creator };
}
