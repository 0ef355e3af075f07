import { createHash } from 'node:crypto';
import { messageId } from '../platform/bus/message-id.js';

/**
 * A sample's id is its identity as Prometheus sees it — tenant, series (name and labels) and
 * timestamp — so a retried request, however it is batched, re-produces the ids it had and
 * consumers drop the repeats. `s-<series hash>-<timestamp>`: one hash per series, not per sample
 * (a remote-write request holds many samples of each series).
 */
export function sampleId(tenant: string | undefined, metric: string, labels: Record<string, string>, timestamp: number): string {
  return seriesSampleId(seriesHash(tenant, metric, labelsKey(labels)), timestamp);
}

/** The id from a series' hash (seriesHash), computed once for all of the series' samples. */
export function seriesSampleId(series: string, timestamp: number): string {
  return `s-${series}-${timestamp}`;
}

/** Series hashed lately: every scrape sends the same series again, and a sha256 is most of a sample's cost. */
const recentSeries = new Map<string, string>();
const MAX_RECENT_SERIES = 100_000;

/** 128 bits of sha256 over tenant, metric and the sorted labels. */
export function seriesHash(tenant: string | undefined, metric: string, labels: string): string {
  const key = `${tenant ?? ''}\u0000${metric}\u0000${labels}`;
  let hash = recentSeries.get(key);
  if (hash === undefined) {
    // Bounded: a churning fleet empties it now and then rather than growing it.
    if (recentSeries.size >= MAX_RECENT_SERIES) recentSeries.clear();
    hash = createHash('sha256').update(key).digest('hex').slice(0, 32);
    recentSeries.set(key, hash);
  }
  return hash;
}

export function labelsKey(labels: Record<string, string>): string {
  let key = '';
  for (const k of Object.keys(labels).sort()) key += `${k}\u0001${labels[k]}\u0002`;
  return key;
}

/**
 * Log records have no natural identity (two equal lines in one millisecond are two records):
 * their id is the request's content hash and their place in it, so only a retry of the same
 * request re-produces it.
 */
export function logId(tenant: string | undefined, contentHash: string, index: number): string {
  return messageId(tenant ?? '', 'log', contentHash, index);
}

export function contentHash(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
