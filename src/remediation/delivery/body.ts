import type { WebhookAction } from '../../lib/remediation-rules/index.js';
import type { Incident } from '../types.js';

export interface BodyContext {
  incident: Incident;
  action: { id: string; name: string; rule: string; dry_run: boolean };
  /** Where the incident can be read (the API), for generatorURL and links. */
  externalUrl: string;
}

/** The request body for an action, in its format; always JSON. */
export function renderBody(action: WebhookAction, ctx: BodyContext): string {
  switch (action.format) {
    case 'vigil':
      return JSON.stringify(vigilBody(ctx));
    case 'alertmanager':
      return JSON.stringify(alertmanagerBody(ctx));
    case 'template':
      return JSON.stringify(renderTemplate(action.body, ctx as unknown as Record<string, unknown>));
  }
}

/** Vigil's own body: the action and the incident as the API shows it. */
function vigilBody(ctx: BodyContext): object {
  const i = ctx.incident;
  return {
    type: 'vigil.remediation.v1',
    action: ctx.action,
    incident: {
      id: i.id,
      fingerprint: i.fingerprint,
      status: i.status,
      entity: i.entity,
      environment: i.environment,
      severity: i.severity,
      title: i.title,
      labels: i.labels,
      kinds: i.kinds,
      score: i.score,
      occurrences: i.occurrences,
      first_seen: new Date(i.first_seen).toISOString(),
      opened_at: i.opened_at === null ? null : new Date(i.opened_at).toISOString(),
      url: `${ctx.externalUrl}/incidents/${i.id}`,
    },
  };
}

/** Alertmanager's webhook body, version 4: existing receivers (runbook bots, PagerDuty bridges) take it unchanged. */
function alertmanagerBody(ctx: BodyContext): object {
  const i = ctx.incident;
  const labels: Record<string, string> = {
    ...i.labels,
    alertname: i.kinds[0] ?? 'vigil_incident',
    entity: i.entity,
    severity: i.severity,
    environment: i.environment,
    vigil_rule: ctx.action.rule,
    vigil_action: ctx.action.name,
  };
  const resolved = i.status === 'resolved';
  const groupLabels = { entity: i.entity };
  return {
    version: '4',
    groupKey: `{}:{entity="${i.entity}"}`,
    truncatedAlerts: 0,
    status: resolved ? 'resolved' : 'firing',
    receiver: ctx.action.rule,
    groupLabels,
    commonLabels: labels,
    commonAnnotations: { summary: i.title, incident_id: i.id, action_id: ctx.action.id },
    externalURL: ctx.externalUrl,
    alerts: [
      {
        status: resolved ? 'resolved' : 'firing',
        labels,
        annotations: { summary: i.title, incident_id: i.id, action_id: ctx.action.id },
        startsAt: new Date(i.first_seen).toISOString(),
        endsAt: resolved && i.resolved_at ? new Date(i.resolved_at).toISOString() : '0001-01-01T00:00:00Z',
        generatorURL: `${ctx.externalUrl}/incidents/${i.id}`,
        fingerprint: i.fingerprint.slice(0, 16),
      },
    ],
  };
}

/**
 * `{{ incident.entity }}` in any string of the template is replaced by that value; a string that
 * is nothing but one placeholder takes the value as it is (a number stays a number, labels stay
 * an object). Unknown paths render empty. The result is JSON-encoded after, so no escaping issues.
 */
export function renderTemplate(template: unknown, ctx: Record<string, unknown>): unknown {
  if (typeof template === 'string') {
    const whole = /^\{\{\s*([\w.]+)\s*\}\}$/.exec(template);
    if (whole) return lookup(ctx, whole[1]!) ?? '';
    return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, path: string) => {
      const v = lookup(ctx, path);
      return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
  }
  if (Array.isArray(template)) return template.map((t) => renderTemplate(t, ctx));
  if (template && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, renderTemplate(v, ctx)]));
  }
  return template;
}

function lookup(ctx: Record<string, unknown>, path: string): unknown {
  let cur: unknown = ctx;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
