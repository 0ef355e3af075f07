import { createHash } from 'node:crypto';
import { messageId } from '../platform/bus/message-id.js';

/**
 * A sample's id is its identity as Prometheus sees it — tenant, series (name and labels) and
 * timestamp — so a retried request, however it is batched, re-produces the ids it had and
 * consumers drop the repeats.
 */
export function sampleId(tenant: string | undefined, metric: string, labels: Record<string, string>, timestamp: number): string {
  return seriesSampleId(tenant, metric, labelsKey(labels), timestamp);
}

/** The same id from a series' labelsKey, computed once for all of a series' samples. */
export function seriesSampleId(tenant: string | undefined, metric: string, labels: string, timestamp: number): string {
  return messageId(tenant ?? '', metric, labels, timestamp);
}

export function labelsKey(labels: Record<string, string>): string {
  let key = '';
  for (const k of Object.keys(labels).sort()) key += `${k}\u0001${labels[k]}\u0002`;
  return key;
}

/** The series identity (name and sorted labels), for per-series counter state. */
export function seriesKey(metric: string, labels: Record<string, string>): string {
  let key = metric;
  for (const k of Object.keys(labels).sort()) key += `\u0001${k}\u0002${labels[k]}`;
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
