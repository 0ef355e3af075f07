import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import { registry } from '../metrics/registry.js';

const requests = new Counter({
  name: 'vigil_http_requests_total',
  help: 'HTTP requests answered, by method, route template and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

const duration = new Histogram({
  name: 'vigil_http_request_duration_seconds',
  help: 'Time from a request arriving to its answer being sent, by method and route template.',
  labelNames: ['method', 'route'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

const ROUTE = Symbol('vigil.route');

/**
 * Every answer counted, refusals included: a 400 for a malformed body or a 401 for a missing
 * token is a rejection an operator wants to see. Counted on the raw server, because Fastify's
 * router answers some requests itself (414 for an over-long parameter, 400 for a bad URL)
 * without running any hook. Routes are their templates (`/incidents/:id`); what no route
 * took is `unmatched`, so the label stays bounded.
 */
export function countHttpRequests(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    (request.raw as unknown as Record<symbol, string | undefined>)[ROUTE] = request.routeOptions.url;
  });
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = (req as unknown as Record<symbol, string | undefined>)[ROUTE] ?? 'unmatched';
      const method = req.method ?? 'UNKNOWN';
      requests.labels(method, route, String(res.statusCode)).inc();
      duration.labels(method, route).observe(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}
