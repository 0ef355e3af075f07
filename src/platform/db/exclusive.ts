import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';

/**
 * The exclusive section a store call runs in (see PgDatabase.exclusive): the PostgreSQL
 * transaction that holds the section's advisory locks, or the memory database's in-process lock.
 * Store calls made inside join it; `open` turns false when it ends, so work that outlives it
 * (a delivery it started) falls back to the pool instead of a released connection.
 */
export interface Scope {
  owner: object;
  client: unknown;
  keys: Set<string>;
  open: boolean;
}

const scopes = new AsyncLocalStorage<Scope>();

/** The open section of `owner` this call runs in, if any. */
export function currentScope(owner: object): Scope | undefined {
  const s = scopes.getStore();
  return s && s.open && s.owner === owner ? s : undefined;
}

export function inScope<T>(scope: Scope, task: () => Promise<T>): Promise<T> {
  return scopes.run(scope, task);
}

/** True inside any open section: what must wait for its end (an outbox flush) checks it. */
export function insideExclusive(): boolean {
  return scopes.getStore()?.open === true;
}

/** Runs `task` outside any section: work it starts (a delivery) must not join the caller's transaction. */
export function detached<T>(task: () => T): T {
  return scopes.exit(task);
}

/**
 * 64-bit advisory lock ids of `keys`, distinct and ascending: every transaction takes its locks in
 * the same order, so two sections never wait on each other in a cycle.
 */
export function lockIds(keys: Iterable<string>): bigint[] {
  const ids = new Set<bigint>();
  for (const k of keys) ids.add(createHash('sha256').update(k).digest().readBigInt64BE(0));
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
