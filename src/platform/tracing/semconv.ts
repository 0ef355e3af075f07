/**
 * OpenTelemetry messaging semantic conventions used on Vigil's spans (stable names as of
 * semconv 1.27+). Kept here so every span speaks the same vocabulary.
 */
export const MESSAGING_SYSTEM = 'messaging.system';
export const MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const MESSAGING_DESTINATION_PARTITION_ID = 'messaging.destination.partition.id';
export const MESSAGING_CONSUMER_GROUP_NAME = 'messaging.consumer.group.name';
export const MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';
export const MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const MESSAGING_KAFKA_OFFSET = 'messaging.kafka.offset';
export const MESSAGING_KAFKA_MESSAGE_KEY = 'messaging.kafka.message.key';

export const SYSTEM_KAFKA = 'kafka';

/** What every Kafka span of an operation on a topic carries. */
export function messagingAttributes(operation: 'process' | 'send', topic: string): Record<string, string> {
  return {
    [MESSAGING_SYSTEM]: SYSTEM_KAFKA,
    [MESSAGING_OPERATION_TYPE]: operation,
    [MESSAGING_OPERATION_NAME]: operation,
    [MESSAGING_DESTINATION_NAME]: topic,
  };
}

/** HTTP server spans (stable HTTP semantic conventions, semconv 1.23+). */
export const HTTP_REQUEST_METHOD = 'http.request.method';
export const HTTP_ROUTE = 'http.route';
export const HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const URL_PATH = 'url.path';
export const URL_SCHEME = 'url.scheme';
export const ERROR_TYPE = 'error.type';
