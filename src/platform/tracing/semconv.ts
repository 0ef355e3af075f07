import {
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  MESSAGING_SYSTEM_VALUE_KAFKA,
} from '@opentelemetry/semantic-conventions/incubating';

/**
 * What every Kafka span of an operation on a topic carries. The attribute names come from
 * `@opentelemetry/semantic-conventions` (messaging is still incubating there, HTTP is stable),
 * so every span speaks the package's vocabulary rather than a copy of it.
 */
export function messagingAttributes(operation: 'process' | 'send', topic: string): Record<string, string> {
  return {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_VALUE_KAFKA,
    [ATTR_MESSAGING_OPERATION_TYPE]: operation,
    [ATTR_MESSAGING_OPERATION_NAME]: operation,
    [ATTR_MESSAGING_DESTINATION_NAME]: topic,
  };
}
