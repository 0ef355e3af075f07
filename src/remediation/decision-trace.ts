import { context, trace, type Context } from '@opentelemetry/api';
import { tracer } from '../platform/tracing/tracing.js';

/**
 * The trace context of a decision no consumed record caused — an approval or rejection through
 * the API, an expiry or a verification by the timer, an action resumed at start: a short span
 * `remediation <what>` (a child of whatever span is active, else a trace of its own), so that its
 * aiops.remediations events carry a `traceparent` as the others do, and the delivery that
 * follows an approval shares its trace.
 */
export function decisionTrace(what: string, actionId: string, incidentId: string): Context {
  const span = tracer().startSpan(`remediation ${what}`, { attributes: { 'vigil.action.id': actionId, 'vigil.incident.id': incidentId } });
  span.end();
  return trace.setSpan(context.active(), span);
}
