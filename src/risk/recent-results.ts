/**
 * The last `capacity` results by transaction id. Kafka delivers at least once: a redelivered
 * transaction gets its first result back instead of being counted into the features twice.
 */
export class RecentResults<T> {
  private readonly byId = new Map<string, T>();

  constructor(private readonly capacity: number) {}

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  set(id: string, result: T): void {
    this.byId.set(id, result);
    if (this.byId.size > this.capacity) this.byId.delete(this.byId.keys().next().value!);
  }
}
