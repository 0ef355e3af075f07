/**
 * Record types a service derives from the generated ones (./records/) to say what it writes or
 * relies on. Both are built on the schema's type, so a field the schema drops or retypes stops
 * compiling here rather than failing validation at run time.
 */

/** T with some optional fields always set: what a producer that always writes them promises. */
export type WithFields<T, K extends keyof T> = T & Required<Pick<T, K>>;

/**
 * T with the fields of N in place of its own: narrower types (a literal for an enum, a service's
 * own type for an open object). N may name only T's fields, each with a type T's field accepts.
 */
export type Narrowed<T, N extends Partial<T> & { [K in Exclude<keyof N, keyof T>]: never }> = Omit<T, keyof N> & N;
