import type { Context } from '@opentelemetry/api';
import { messageId } from '../../platform/bus/message-id.js';
import { platformMetrics } from '../../platform/metrics/registry.js';
import { renderBody } from '../delivery/body.js';
import { CircuitBreakers } from '../delivery/circuit-breaker.js';
import { undeliveredAction } from '../delivery/dead-letter.js';
import { withoutSecrets } from '../delivery/redact-url.js';
import { ephemeralSecret } from '../delivery/signing.js';
import { buildRequest, STOPPING, WebhookSender } from '../delivery/webhook-sender.js';
import { IncidentError } from '../incidents.service.js';
import { incidentMetrics as m } from '../incidents.metrics.js';
import { matchesAll } from '../matchers.js';
import type { IncidentsOptions } from '../options.js';
import { ruleMatches } from '../rules/match-rule.js';
import type { RemediationRule, WebhookAction } from '../rules/rule-types.js';
import { Serial } from '../serial.js';
import type { IncidentStore, OutboxRecord } from '../store/store.js';
import type { ActionEvent, ActionRow, Incident, IncidentEvent } from '../types.js';
import { decisionTrace } from './decision-trace.js';
import { Slots } from './slots.js';

/** Where decision events go: into the decision's transaction, then appended (see Outbox). */
export interface ActionOutbox {
  record(topic: string, key: string, id: string, value: object, trace?: Context): OutboxRecord;
  deadLetter(topic: string, key: string, id: string, value: object, headers: Record<string, string>, trace?: Context): OutboxRecord;
  flush(): Promise<void>;
}
export interface RemediationLog {
  log(message: string): void;
  warn(message: string): void;
}

type Decision = ActionEvent['decision'];

/**
 * Incidents → actions, with the guardrails in the order a careful operator applies them:
 * silenced? dry-run? needs approval? then, holding a concurrency slot: cooldown, rate limit per
 * target, blast radius per environment — and only then send. Every decision, skips included, is
 * a row (action_events) and an aiops.remediations event. Guard checks and the start of an action
 * run one at a time, so two actions cannot both take the last unit of a limit.
 */
export class RemediationService {
  private readonly serial = new Serial();
  private readonly slots: Slots;
  private readonly stopping = new AbortController();
  private readonly running = new Set<Promise<void>>();
  private readonly sender: WebhookSender;
  private readonly previewSecret = ephemeralSecret();

  constructor(
    private readonly store: IncidentStore,
    readonly rules: RemediationRule[],
    private readonly options: IncidentsOptions,
    private readonly outbox: ActionOutbox,
    private readonly logger: RemediationLog,
    private readonly externalUrl: string,
    private readonly now: () => number = Date.now,
  ) {
    this.slots = new Slots(options.remediation.maxConcurrent);
    this.sender = new WebhookSender(options.delivery, new CircuitBreakers(options.delivery.breakerThreshold, options.delivery.breakerResetMs, now), this.stopping.signal);
  }

  /**
   * An aiops.incidents event: an incident that opened gets its matching rules' actions planned.
   * Returns false for an `opened` event of an incident this service never stored (another
   * producer's): the caller dead-letters it rather than act on what it cannot check.
   */
  async onIncidentEvent(ev: IncidentEvent, trace?: Context): Promise<boolean> {
    if (ev.event === 'resolved') {
      await this.withdrawApprovals(ev.incident_id, trace);
      return true;
    }
    if (ev.event !== 'opened') return true;
    const inc = await this.store.getIncident(ev.incident_id);
    if (!inc) return false;
    for (const rule of this.rules) {
      if (!ruleMatches(rule, inc)) continue;
      for (const action of rule.actions) await this.plan(inc, rule, action, trace);
    }
    return true;
  }

  private async plan(inc: Incident, rule: RemediationRule, action: WebhookAction, trace?: Context): Promise<void> {
    const now = this.now();
    const row: ActionRow = {
      // One action per incident, rule and action: a replayed incident event plans nothing new.
      id: messageId('action', inc.id, rule.name, action.name),
      incident_id: inc.id,
      rule: rule.name,
      action: action.name,
      entity: inc.entity,
      environment: inc.environment,
      // What is recorded and published (row, events, API, logs): never a credential of the URL.
      // Delivery itself takes the URL from the rule.
      target: withoutSecrets(action.url),
      status: 'planned',
      reason: null,
      attempts: 0,
      created_at: now,
      updated_at: now,
      expires_at: null,
      started_at: null,
      delivered_at: null,
      verify_by: null,
      decided_by: null,
      labels: {
        environment: inc.environment,
        fingerprint: inc.fingerprint,
        kind: inc.kinds[0] ?? '',
        severity: inc.severity,
        ...(inc.labels.top_metric ? { top_metric: inc.labels.top_metric } : {}),
      },
    };
    if (!(await this.store.insertAction(row))) {
      // Seen before. Still `planned` means the last try failed before deciding (say the event
      // could not be appended): decide now. Anything else was decided: nothing to do.
      const stored = await this.store.getAction(row.id);
      if (stored?.status === 'planned') await this.decide(stored, inc, rule, action, trace);
      return;
    }
    await this.record(row, 'planned', { reason: `rule ${rule.name} (${rule.file}:${rule.line}) matched incident ${inc.id} on ${inc.entity}` }, trace);
    await this.decide(row, inc, rule, action, trace);
  }

  private async decide(row: ActionRow, inc: Incident, rule: RemediationRule, action: WebhookAction, trace?: Context): Promise<void> {
    const now = this.now();
    const current = (await this.store.getIncident(inc.id)) ?? inc;
    if (current.status === 'resolved') return this.finish(row, 'skipped', `incident already resolved (${current.resolution ?? 'no reason'})`, trace);
    // Replaying old findings (a new consumer group, a restored topic) must not act on the past.
    const maxAge = this.options.remediation.maxFindingAgeMs;
    if (maxAge > 0 && now - inc.last_seen > maxAge) {
      return this.finish(row, 'skipped', `stale: the incident's last finding is ${Math.round((now - inc.last_seen) / 1000)} s old (limit ${maxAge / 1000} s)`, trace);
    }
    const attrs = { ...inc.labels, entity: inc.entity, environment: inc.environment, severity: inc.severity, kind: inc.kinds[0] ?? '', rule: rule.name, action: action.name };
    const silence = (await this.store.listSilences(now)).find((s) => s.starts_at <= now && now < s.ends_at && matchesAll(s.matchers, attrs));
    if (silence) return this.finish(row, 'skipped', `silenced by ${silence.id} until ${new Date(silence.ends_at).toISOString()}`, trace);
    const g = action.guardrails;
    if (this.options.remediation.dryRun || g.dry_run) return this.dryRun(row, inc, rule, action, trace);
    if (g.approval?.required && row.decided_by === null) {
      row.status = 'awaiting_approval';
      row.expires_at = now + (g.approval.expires_after_ms ?? this.options.remediation.approvalTtlMs);
      await this.record(row, 'awaiting_approval', { reason: `approval required; expires ${new Date(row.expires_at).toISOString()}` }, trace);
      await this.refreshPending();
      return;
    }
    this.spawn(this.execute(row, inc, rule, action, trace));
  }

  private async dryRun(row: ActionRow, inc: Incident, rule: RemediationRule, action: WebhookAction, trace?: Context): Promise<void> {
    const secrets = action.secrets.length > 0 ? action.secrets : [this.previewSecret];
    const body = this.body(row, inc, rule, action, true);
    const req = buildRequest({ id: row.id, url: action.url, body, headers: action.headers, secrets, timeoutMs: 0 });
    const headers = Object.entries(req.headers)
      .map(([k, v]) => `${k}: ${/^(authorization|cookie|x-api-key)$/i.test(k) ? '[redacted]' : v}`)
      .join('\n    ');
    const why = this.options.remediation.dryRun ? 'REMEDIATION_DRY_RUN' : `rule ${rule.name} dry_run`;
    this.logger.log(
      `DRY RUN (${why}) ${rule.name}/${action.name} for incident ${inc.id} on ${inc.entity}: would send\n  POST ${withoutSecrets(req.url)}\n    ${headers}\n\n    ${req.body}${action.ephemeralSecret ? `\n  (signed with a throwaway secret: no secret configured${action.secretEnv ? ` in ${action.secretEnv}` : ''})` : ''}`,
    );
    await this.finish(row, 'dry_run', `dry-run (${why}): would POST ${row.target} as ${action.format}, webhook-id ${row.id}`, trace);
  }

  private async execute(row: ActionRow, inc: Incident, rule: RemediationRule, action: WebhookAction, trace?: Context, resumed = false): Promise<void> {
    const g = action.guardrails;
    const release = await this.slots.acquire(rule.name, g.max_concurrent, this.stopping.signal);
    if (!release) return; // stopping before a slot came free: the row stays as it is and resumes next start
    try {
      if (!resumed) {
        const refusal = await this.serial.run(async () => {
          const why = await this.guardRefusal(row, rule, action);
          if (why) return why;
          row.status = 'executing';
          row.started_at = this.now();
          await this.save(row);
          return undefined;
        });
        if (refusal) return await this.finish(row, 'skipped', refusal, trace);
      }
      m.actionsInFlight.set(this.slots.inUse);
      const body = this.body(row, inc, rule, action, false);
      const result = await this.sender.deliver(
        { id: row.id, url: action.url, body, headers: action.headers, secrets: action.secrets, timeoutMs: action.timeout_ms ?? this.options.delivery.timeoutMs, ...(trace ? { trace } : {}) },
        async (f) => {
          row.attempts = f.attempt;
          await this.record(row, 'failed', { reason: f.reason, attempt: f.attempt, ...(f.statusCode !== undefined ? { status_code: f.statusCode } : {}) }, trace);
        },
      );
      if (!result.ok && result.reason === STOPPING) return;
      row.attempts = result.attempts;
      if (result.ok) {
        const now = this.now();
        row.status = 'delivered';
        row.delivered_at = now;
        if (g.verify) row.verify_by = now + (g.verify.within_ms ?? this.options.remediation.verifyWithinMs);
        await this.record(row, 'delivered', { reason: `HTTP ${result.statusCode} after ${result.attempts} attempt(s)`, attempt: result.attempts, status_code: result.statusCode }, trace);
      } else {
        row.status = 'dead_lettered';
        // The action itself goes to the dead-letter topic, in the transaction of its decision.
        const dl = undeliveredAction(row, { url: action.url, format: action.format, body }, result, this.now());
        const dlqTopic = this.options.topics.remediationsDlq;
        await this.record(
          row,
          'dead_lettered',
          { reason: `gave up after ${result.attempts} attempt(s): ${result.reason}`, attempt: result.attempts, ...(result.statusCode !== undefined ? { status_code: result.statusCode } : {}) },
          trace,
          [this.outbox.deadLetter(dlqTopic, dl.key, dl.id, dl.value, dl.headers, trace)],
        );
        platformMetrics.deadLettered.labels('remediation', this.options.topics.remediations, 'delivery_failed').inc();
        this.logger.warn(`action ${row.id} (${rule.name}/${action.name}) to ${dl.value.target} dead-lettered to ${dlqTopic} after ${result.attempts} attempt(s): ${result.reason}`);
      }
    } finally {
      release();
      m.actionsInFlight.set(this.slots.inUse);
    }
  }

  /** Why this action must not run now, or undefined. Runs inside `serial` (see the class comment). */
  private async guardRefusal(row: ActionRow, rule: RemediationRule, action: WebhookAction): Promise<string | undefined> {
    const g = action.guardrails;
    const now = this.now();
    if (g.cooldown_ms) {
      const last = await this.store.lastStart(rule.name, action.name, row.entity);
      if (last !== undefined && now - last < g.cooldown_ms) return `cooldown: ${rule.name}/${action.name} ran on ${row.entity} ${Math.round((now - last) / 1000)} s ago (cooldown ${g.cooldown_ms / 1000} s)`;
    }
    if (g.rate_limit) {
      const n = await this.store.countStartedToTarget(row.target, now - g.rate_limit.per_ms);
      if (n >= g.rate_limit.max) return `rate_limited: ${n} action(s) to ${row.target} in the last ${g.rate_limit.per_ms / 1000} s (limit ${g.rate_limit.max})`;
    }
    const global = this.options.remediation;
    const limits = [{ max: global.blastRadius, window: global.blastWindowMs, scope: 'global' }];
    if (g.blast_radius) limits.push({ max: g.blast_radius.max_entities, window: g.blast_radius.window_ms, scope: `rule ${rule.name}` });
    for (const l of limits) {
      const acted = await this.store.entitiesActedOn(row.environment, now - l.window);
      if (!acted.includes(row.entity) && acted.length >= l.max) {
        return `blast_radius: ${acted.length} entities in environment ${row.environment} already acted on in the last ${l.window / 1000} s (${l.scope} limit ${l.max})`;
      }
    }
    return undefined;
  }

  /** An incident that resolved no longer needs the actions still waiting for a decision. */
  private withdrawApprovals(incidentId: string, trace?: Context): Promise<void> {
    return this.serial.run(async () => {
      for (const row of await this.store.listActions({ incident_id: incidentId, status: 'awaiting_approval' })) {
        await this.finish(row, 'skipped', 'incident resolved before a decision', trace);
      }
      await this.refreshPending();
    });
  }

  /** POST /actions/:id/approve. */
  async approve(id: string, by: string): Promise<ActionRow> {
    let trace: Context | undefined;
    const { row, rule, action } = await this.serial.run(async () => {
      const row = await this.awaiting(id);
      const found = this.find(row);
      // The approval and the delivery it lets go share one trace.
      trace = decisionTrace('approve', row.id, row.incident_id);
      row.status = 'approved';
      row.decided_by = by;
      await this.record(row, 'approved', { reason: `approved by ${by}` }, trace);
      await this.refreshPending();
      return { row, ...found };
    });
    const inc = await this.store.getIncident(row.incident_id);
    if (inc) this.spawn(this.execute(row, inc, rule, action, trace));
    return row;
  }

  /** POST /actions/:id/reject. */
  reject(id: string, by: string, reason: string): Promise<ActionRow> {
    return this.serial.run(async () => {
      const row = await this.awaiting(id);
      row.decided_by = by;
      await this.finish(row, 'rejected', `rejected by ${by}${reason ? `: ${reason}` : ''}`);
      await this.refreshPending();
      return row;
    });
  }

  private async awaiting(id: string): Promise<ActionRow> {
    const row = await this.store.getAction(id);
    if (!row) throw new IncidentError(404, `no action ${id}`);
    if (row.status !== 'awaiting_approval') throw new IncidentError(409, `action ${id} is ${row.status}, not awaiting approval`);
    if (row.expires_at !== null && row.expires_at <= this.now()) {
      await this.finish(row, 'expired', `approval expired at ${new Date(row.expires_at).toISOString()}`);
      throw new IncidentError(409, `action ${id}: approval expired at ${new Date(row.expires_at).toISOString()}`);
    }
    return row;
  }

  private find(row: ActionRow): { rule: RemediationRule; action: WebhookAction } {
    const rule = this.rules.find((r) => r.name === row.rule);
    const action = rule?.actions.find((a) => a.name === row.action);
    if (!rule || !action) throw new IncidentError(409, `rule ${row.rule}/${row.action} is no longer loaded`);
    return { rule, action };
  }

  /** Timers: approvals that expired, and verification of delivered actions whose window has passed. */
  sweep(): Promise<void> {
    return this.serial.run(async () => {
      const now = this.now();
      for (const row of await this.store.actionsIn(['awaiting_approval', 'delivered'])) {
        if (row.status === 'awaiting_approval' && row.expires_at !== null && row.expires_at <= now) {
          await this.finish(row, 'expired', `no decision by ${new Date(row.expires_at).toISOString()}`);
        } else if (row.status === 'delivered' && row.verify_by !== null && row.verify_by <= now) {
          const after = await this.store.countFindingsBetween(row.entity, row.delivered_at!, row.verify_by);
          const within = (row.verify_by - row.delivered_at!) / 1000;
          if (after === 0) await this.finish(row, 'verified', `no finding on ${row.entity} within ${within} s of delivery`);
          else await this.finish(row, 'not_verified', `${after} finding(s) on ${row.entity} within ${within} s of delivery`);
        }
      }
      await this.refreshPending();
    });
  }

  /** At start: actions a previous process left half-way are taken up again (same webhook-id, so receivers drop repeats). */
  async resume(): Promise<number> {
    const rows = await this.store.actionsIn(['planned', 'approved', 'executing']);
    for (const row of rows) {
      const inc = await this.store.getIncident(row.incident_id);
      const rule = this.rules.find((r) => r.name === row.rule);
      const action = rule?.actions.find((a) => a.name === row.action);
      if (!inc || !rule || !action) {
        await this.finish(row, 'skipped', `cannot resume: ${!inc ? 'incident' : 'rule'} no longer known`);
        continue;
      }
      const trace = decisionTrace('resume', row.id, row.incident_id);
      if (row.status === 'planned') await this.decide(row, inc, rule, action, trace);
      else this.spawn(this.execute(row, inc, rule, action, trace, row.status === 'executing'));
    }
    return rows.length;
  }

  async stop(graceMs = 5000): Promise<void> {
    this.stopping.abort();
    await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => setTimeout(r, graceMs).unref())]);
  }

  private body(row: ActionRow, inc: Incident, rule: RemediationRule, action: WebhookAction, dryRun: boolean): string {
    return renderBody(action, { incident: inc, action: { id: row.id, name: action.name, rule: rule.name, dry_run: dryRun }, externalUrl: this.externalUrl });
  }

  private spawn(p: Promise<void>): void {
    const tracked = p.catch((e: Error) => this.logger.warn(`remediation task failed: ${e.stack ?? e.message}`)).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private async finish(row: ActionRow, decision: Decision, reason: string, trace?: Context): Promise<void> {
    row.status = decision === 'failed' ? row.status : (decision as ActionRow['status']);
    await this.record(row, decision, { reason }, trace);
  }

  private async save(row: ActionRow): Promise<void> {
    row.updated_at = this.now();
    await this.store.saveAction(row);
  }

  /** The row as it is now, its decision row and its aiops.remediations record (and `more`: a dead letter), in one transaction; then appended. */
  private async record(
    row: ActionRow,
    decision: Decision,
    extra: { reason?: string; attempt?: number; status_code?: number },
    trace?: Context,
    more: OutboxRecord[] = [],
  ): Promise<void> {
    if (extra.reason) row.reason = extra.reason.slice(0, 2048);
    row.target = withoutSecrets(row.target); // a row written before targets were cleaned
    row.updated_at = this.now();
    const ev: ActionEvent = {
      id: messageId(row.id, decision, extra.attempt ?? 0),
      incident_id: row.incident_id,
      action_id: row.id,
      rule: row.rule,
      action: row.action,
      timestamp: this.now(),
      decision,
      target: row.target,
      entity: row.entity,
      labels: row.labels ?? { environment: row.environment },
      ...(extra.reason ? { reason: extra.reason.slice(0, 2048) } : {}),
      ...(extra.attempt !== undefined ? { attempt: extra.attempt } : {}),
      ...(extra.status_code !== undefined ? { status_code: extra.status_code } : {}),
    };
    // A decision without a record behind it (API, timer) gets a trace of its own: every event carries a traceparent.
    const out = this.outbox.record(this.options.topics.remediations, row.incident_id, ev.id, ev, trace ?? decisionTrace(decision, row.id, row.incident_id));
    await this.store.commit({ actions: [row], actionEvents: [ev], outbox: [out, ...more] });
    m.actions.labels(decision).inc();
    await this.outbox.flush();
  }

  private async refreshPending(): Promise<void> {
    m.approvalsPending.set((await this.store.actionsIn(['awaiting_approval'])).length);
  }
}
