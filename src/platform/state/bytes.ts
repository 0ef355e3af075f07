/**
 * Little-endian binary writing and reading for state snapshots: compact (a series' state is a
 * few KB of float32 arrays) and exact (restored state scores exactly as the saved one would).
 */
export class ByteWriter {
  private buffer = new Uint8Array(1024);
  private view = new DataView(this.buffer.buffer);
  private at = 0;

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.at + bytes));
    next.set(this.buffer.subarray(0, this.at));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.room(1);
    this.view.setUint8(this.at, v);
    this.at += 1;
    return this;
  }

  i32(v: number): this {
    this.room(4);
    this.view.setInt32(this.at, v, true);
    this.at += 4;
    return this;
  }

  f64(v: number): this {
    this.room(8);
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
    return this;
  }

  f32s(values: Float32Array): this {
    this.i32(values.length);
    this.room(values.length * 4);
    for (const v of values) {
      this.view.setFloat32(this.at, v, true);
      this.at += 4;
    }
    return this;
  }

  f64s(values: Float64Array | readonly number[]): this {
    this.i32(values.length);
    for (const v of values) this.f64(v);
    return this;
  }

  i32s(values: Int32Array): this {
    this.i32(values.length);
    for (const v of values) this.i32(v);
    return this;
  }

  str(s: string): this {
    const bytes = new TextEncoder().encode(s);
    this.i32(bytes.length);
    this.room(bytes.length);
    this.buffer.set(bytes, this.at);
    this.at += bytes.length;
    return this;
  }

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.at);
  }
}

export class ByteReader {
  private readonly view: DataView;
  private at = 0;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  private need(bytes: number): void {
    if (this.at + bytes > this.data.length) throw new Error(`snapshot truncated at byte ${this.at}`);
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.at++);
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.at, true);
    this.at += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }

  f32s(expected?: number): Float32Array {
    const n = this.count(expected);
    this.need(n * 4);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++, this.at += 4) out[i] = this.view.getFloat32(this.at, true);
    return out;
  }

  f64s(expected?: number): Float64Array {
    const n = this.count(expected);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.f64();
    return out;
  }

  i32s(expected?: number): Int32Array {
    const n = this.count(expected);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.i32();
    return out;
  }

  str(): string {
    const n = this.count();
    this.need(n);
    const s = new TextDecoder().decode(this.data.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }

  /** Bytes read so far. */
  get offset(): number {
    return this.at;
  }

  get done(): boolean {
    return this.at === this.data.length;
  }

  private count(expected?: number): number {
    const n = this.i32();
    if (n < 0 || (expected !== undefined && n !== expected)) throw new Error(`snapshot: expected ${expected ?? 'a count'}, found ${n}`);
    return n;
  }
}
