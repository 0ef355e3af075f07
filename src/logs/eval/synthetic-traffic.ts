import type { LogRecordValue } from '../types.js';

/**
 * Generated log traffic of a small web service, for the service's tests and bench: every
 * request logs the same few steps (a cache miss now and then), and the lines carry what masking
 * must remove — client addresses (v4 and v6), user e-mails, bearer tokens, order numbers.
 * Deterministic in `i`, so a run can be repeated.
 */
export function syntheticRequest(entity: string, i: number, t0: number, stepMs = 10): LogRecordValue[] {
  const ip = i % 3 === 0 ? `2001:db8:${(i % 97).toString(16)}::${(i % 89).toString(16)}` : `10.${i % 5}.${(i * 7) % 250}.${(i * 13) % 250}`;
  const user = `user${i % 23}@shop.example.com`;
  const order = 4_000_000 + i;
  const lines = [
    `GET /api/orders/${order} from ${ip} user ${user} Authorization: Bearer tk${(i * 7919).toString(36)}Ab9Zq${i}x`,
    i % 5 === 0 ? `cache miss for order ${order}, loading from db` : `cache hit for order ${order}`,
    `db query took ${3 + (i % 11)} ms rows ${1 + (i % 4)}`,
    `response 200 sent ${200 + (i % 800)} bytes to ${ip} in ${5 + (i % 40)} ms`,
  ];
  return lines.map((message, k) => ({ entity, timestamp: t0 + k * stepMs, message, attributes: { request_id: `req-${i}` } }));
}

/** A line the service has never seen, with an address and an e-mail that must not come out. */
export function syntheticFailure(entity: string, timestamp: number, ip: string, email: string): LogRecordValue {
  return { entity, timestamp, message: `FATAL disk /dev/sdb1 I/O error, remounting read-only; paged ${email} from ${ip}` };
}
