/**
 * Topic names between the cluster, where every name carries the namespace prefix
 * (VIGIL_TOPIC_PREFIX), and the services, which know the plain names. Both Kafka clients use it.
 */
export class TopicNames {
  constructor(readonly prefix: string) {}

  /** The name a topic has on the cluster. */
  onCluster(topic: string): string {
    return this.prefix + topic;
  }

  /** The name the services know a cluster topic by. */
  inVigil(topic: string): string {
    return topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : topic;
  }
}
