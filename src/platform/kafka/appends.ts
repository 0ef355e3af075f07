import type { OutRecord } from '../bus/types.js';
import { groupByTopic } from '../bus/group-by-topic.js';
import { Coalescer } from './coalescer.js';

const MAX_REQUEST_BYTES = 900 * 1024;

/**
 * The append path both Kafka clients share: requests that stay under the broker's limit, and
 * shared appends merged per topic (group commit). `sendChunk` is the client's one request.
 */
export class Appends {
  /**
   * Appends to a topic from batches processed side by side travel together (see Coalescer);
   * one coalescer per topic, so a topic the broker is slow to take stalls only its own senders.
   * They gather for the rest of the event-loop turn, so the batches of one fetch round, which
   * finish in the same turn, share the first request rather than queue behind it.
   */
  private readonly shared = new Map<string, Coalescer<OutRecord>>();

  constructor(private readonly sendChunk: (records: OutRecord[]) => Promise<void>) {}

  async send(records: OutRecord[], options: { shared?: boolean } = {}): Promise<void> {
    // Unshared appends (an ingest request waiting on its acknowledgement) never queue behind others.
    if (!options.shared) return this.sendNow(records);
    await Promise.all(
      [...groupByTopic(records)].map(([topic, list]) => {
        let coalescer = this.shared.get(topic);
        if (!coalescer) this.shared.set(topic, (coalescer = new Coalescer((merged) => this.sendNow(merged), { gather: true })));
        return coalescer.add(list);
      }),
    );
  }

  /** Records in requests that stay under the broker's limit. */
  private async sendNow(records: OutRecord[]): Promise<void> {
    // Requests stay under the broker's default message.max.bytes (1 MiB) whatever the
    // compression achieves; chunks go one after another so order per partition holds.
    let chunk: OutRecord[] = [];
    let bytes = 0;
    for (const r of records) {
      const size = (r.value?.length ?? 0) + (r.key?.length ?? 0) + 64;
      if (chunk.length > 0 && bytes + size > MAX_REQUEST_BYTES) {
        await this.sendChunk(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(r);
      bytes += size;
    }
    if (chunk.length > 0) await this.sendChunk(chunk);
  }
}
