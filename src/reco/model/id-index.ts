/** Dense numbering of external ids (users, items) so state can live in arrays. */
export class IdIndex {
  private readonly byId = new Map<string, number>();
  private readonly ids: string[] = [];

  get size(): number {
    return this.ids.length;
  }

  /** The index of `id`, numbering it when first seen. */
  intern(id: string): number {
    let i = this.byId.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.byId.set(id, i);
      this.ids.push(id);
    }
    return i;
  }

  get(id: string): number | undefined {
    return this.byId.get(id);
  }

  idOf(index: number): string {
    const id = this.ids[index];
    if (id === undefined) throw new RangeError(`no id at index ${index}`);
    return id;
  }
}
