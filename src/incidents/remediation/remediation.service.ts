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
import { detached, insideExclusive, lockKey } from '../store/exclusive.js';
import { LeaseLost, type IncidentStore, type OutboxRecord } from '../store/store.js';
import type { ActionEvent, ActionRow, Incident, IncidentEvent } from '../types.js';
import { decisionTrace } from './decision-trace.js';
import { claimKeys, guardRefusal } from './guardrails.js';
import { LeaseHeartbeat, processOwner } from './leases.js';
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
/** How a record is written: its trace, records committed with it, and whether it needs this process's lease (see Commit.fence). */
interface RecordOpts {
  trace?: Context | undefined;
  more?: OutboxRecord[];
  fenced?: boolean;
}

/**
 * Incidents → actions, with the guardrails in the order a careful operator applies them:
 * silenced? dry-run? needs approval? then, holding a concurrency slot: cooldown, rate limit per
 * target, blast radius per environment — and only then send. Every decision, skips included, is
 * a row (action_events) and an aiops.remediations event.
 *
 * Several processes may share one store. What two of them could decide at once is decided in the
 * store's exclusive sections: an action's claim (the guardrail checks and the start) holds its
 * environment, cooldown, target, rule and action keys; approve, reject, expiry and verification
 * hold the action's key and re-read it. An unfinished action is leased to the process working on
 * it; when that process dies another adopts it (same id, so the same webhook-id).
 */
export class RemediationService {
  private readonly slots: Slots;
  private readonly leases: LeaseHeartbeat;
  /** Actions this process is executing now: never adopted from itself. */
  private readonly working = new Set<string>();
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
    readonly owner: string = processOwner(),
  ) {
    this.slots = new Slots(options.remediation.maxConcurrent);
    this.leases = new LeaseHeartbeat(store, owner, options.remediation.leaseMs, now, (msg) => logger.warn(msg));
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
      for (const action of rule.actions) await this.plan(inc, rule, action, trace).catch((e: unknown) => this.leftToAdopter(e));
    }
    return true;
  }

  /** A LeaseLost: this process outlived its lease and another adopted the action, which finishes it. Anything else is thrown. */
  private leftToAdopter(e: unknown): void {
    if (!(e instanceof LeaseLost)) throw e;
    this.logger.warn(`${e.message}; left to it`);
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
    if (!(await this.store.insertAction(row, this.leases.lease()))) {
      // Seen before. Still `planned` means the last try failed before deciding (say the event
      // could not be appended): decide now, unless a live process holds it. Anything else was decided.
      const stored = await this.store.getAction(row.id);
      if (stored?.status === 'planned' && (await this.store.takeLease(row.id, this.leases.lease(), this.now()))) await this.decide(stored, inc, rule, action, trace);
      return;
    }
    await this.record(row, 'planned', { reason: `rule ${rule.name} (${rule.file}:${rule.line}) matched incident ${inc.id} on ${inc.entity}` }, { trace, fenced: true });
    await this.decide(row, inc, rule, action, trace);
  }

  private async decide(row: ActionRow, inc: Incident, rule: RemediationRule, action: WebhookAction, trace?: Context): Promise<void> {
    const now = this.now();
    const current = (await this.store.getIncident(inc.id)) ?? inc;
    if (current.status === 'resolved') return this.finish(row, 'skipped', `incident already resolved (${current.resolution ?? 'no reason'})`, { trace, fenced: true });
    // Replaying old findings (a new consumer group, a restored topic) must not act on the past.
    const maxAge = this.options.remediation.maxFindingAgeMs;
    if (maxAge > 0 && now - inc.last_seen > maxAge) {
      return this.finish(row, 'skipped', `stale: the incident's last finding is ${Math.round((now - inc.last_seen) / 1000)} s old (limit ${maxAge / 1000} s)`, { trace, fenced: true });
    }
    const attrs = { ...inc.labels, entity: inc.entity, environment: inc.environment, severity: inc.severity, kind: inc.kinds[0] ?? '', rule: rule.name, action: action.name };
    const silence = (await this.store.listSilences(now)).find((s) => s.starts_at <= now && now < s.ends_at && matchesAll(s.matchers, attrs));
    if (silence) return this.finish(row, 'skipped', `silenced by ${silence.id} until ${new Date(silence.ends_at).toISOString()}`, { trace, fenced: true });
    const g = action.guardrails;
    if (this.options.remediation.dryRun || g.dry_run) return this.dryRun(row, inc, rule, action, trace);
    if (g.approval?.required && row.decided_by === null) {
      row.status = 'awaiting_approval';
      row.expires_at = now + (g.approval.expires_after_ms ?? this.options.remediation.approvalTtlMs);
      await this.record(row, 'awaiting_approval', { reason: `approval required; expires ${new Date(row.expires_at).toISOString()}` }, { trace, fenced: true });
      await this.refreshPending();
      return;
    }
    this.spawn(() => this.execute(row, inc, rule, action, trace));
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
    await this.finish(row, 'dry_run', `dry-run (${why}): would POST ${row.target} as ${action.format}, webhook-id ${row.id}`, { trace, fenced: true });
  }

  private async execute(row: ActionRow, inc: Incident, rule: RemediationRule, action: WebhookAction, trace?: Context, resumed = false): Promise<void> {
    const g = action.guardrails;
    const release = await this.slots.acquire(rule.name, g.max_concurrent, this.stopping.signal);
    if (!release) return; // stopping before a slot came free: the row stays as it is and resumes next start
    this.working.add(row.id);
    try {
      if (!resumed && !(await this.claim(row, rule, action, trace))) return;
      m.actionsInFlight.set(this.slots.inUse);
      const body = this.body(row, inc, rule, action, false);
      const result = await this.sender.deliver(
        { id: row.id, url: action.url, body, headers: action.headers, secrets: action.secrets, timeoutMs: action.timeout_ms ?? this.options.delivery.timeoutMs, ...(trace ? { trace } : {}) },
        async (f) => {
          row.attempts = f.attempt;
          await this.record(row, 'failed', { reason: f.reason, attempt: f.attempt, ...(f.statusCode !== undefined ? { status_code: f.statusCode } : {}) }, { trace, fenced: true });
        },
      );
      if (!result.ok && result.reason === STOPPING) return;
      row.attempts = result.attempts;
      if (result.ok) {
        const now = this.now();
        row.status = 'delivered';
        row.delivered_at = now;
        if (g.verify) row.verify_by = now + (g.verify.within_ms ?? this.options.remediation.verifyWithinMs);
        await this.record(row, 'delivered', { reason: `HTTP ${result.statusCode} after ${result.attempts} attempt(s)`, attempt: result.attempts, status_code: result.statusCode }, { trace, fenced: true });
      } else {
        row.status = 'dead_lettered';
        // The action itself goes to the dead-letter topic, in the transaction of its decision.
        const dl = undeliveredAction(row, { url: action.url, format: action.format, body }, result, this.now());
        const dlqTopic = this.options.topics.remediationsDlq;
        await this.record(
          row,
          'dead_lettered',
          { reason: `gave up after ${result.attempts} attempt(s): ${result.reason}`, attempt: result.attempts, ...(result.statusCode !== undefined ? { status_code: result.statusCode } : {}) },
          { trace, fenced: true, more: [this.outbox.deadLetter(dlqTopic, dl.key, dl.id, dl.value, dl.headers, trace)] },
        );
        platformMetrics.deadLettered.labels('remediation', this.options.topics.remediations, 'delivery_failed').inc();
        this.logger.warn(`action ${row.id} (${rule.name}/${action.name}) to ${dl.value.target} dead-lettered to ${dlqTopic} after ${result.attempts} attempt(s): ${result.reason}`);
      }
    } catch (e) {
      this.leftToAdopter(e);
    } finally {
      this.working.delete(row.id);
      release();
      m.actionsInFlight.set(this.slots.inUse);
    }
  }

  /**
   * Check and claim in one exclusive section (see claimKeys): the rule's executing actions (its
   * max_concurrent, in every process), then cooldown, rate limit and blast radius; the action
   * starts (`executing`, started_at) in the same transaction or is skipped with the reason. While
   * the rule is at its max_concurrent in another process, asks again shortly. False: not started.
   */
  private async claim(row: ActionRow, rule: RemediationRule, action: WebhookAction, trace?: Context): Promise<boolean> {
    const max = action.guardrails.max_concurrent;
    for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
      const now = this.now();
      const outcome = await this.store.exclusive(claimKeys(row, rule), async () => {
        const current = await this.store.getAction(row.id);
        if (!current || (current.status !== 'planned' && current.status !== 'approved')) return 'gone';
        if (max !== undefined && (await this.store.countExecuting(rule.name, now)) >= max) return 'busy';
        const why = await guardRefusal(this.store, this.options.remediation, row, rule, action, now);
        if (why) {
          await this.finish(row, 'skipped', why, { trace, fenced: true });
          return 'skipped';
        }
        row.status = 'executing';
        row.started_at = now;
        row.updated_at = now;
        await this.store.commit({ actions: [row], outbox: [], fence: this.owner });
        return 'claimed';
      });
      if (outcome === 'skipped') await this.outbox.flush();
      if (outcome !== 'busy') return outcome === 'claimed';
      // The rule's last slot is taken in another process: its end frees it.
      if (!(await sleep(pause + Math.random() * pause, this.stopping.signal))) return false;
    }
  }

  /** An incident that resolved no longer needs the actions still waiting for a decision. */
  private async withdrawApprovals(incidentId: string, trace?: Context): Promise<void> {
    for (const row of await this.store.listActions({ incident_id: incidentId, status: 'awaiting_approval' })) {
      await this.store.exclusive([lockKey.action(row.id)], async () => {
        if ((await this.store.getAction(row.id))?.status === 'awaiting_approval') await this.finish(row, 'skipped', 'incident resolved before a decision', { trace });
      });
    }
    await this.outbox.flush();
    await this.refreshPending();
  }

  /**
   * POST /actions/:id/approve. Under the action's key, in whichever process the API call reached:
   * of two approvals at once one wins, the other finds it approved (409); the winner takes the
   * lease and sends it.
   */
  async approve(id: string, by: string): Promise<ActionRow> {
    let trace: Context | undefined;
    const { row, rule, action } = await this.decision(id, async (row) => {
      const found = this.find(row);
      // The approval and the delivery it lets go share one trace.
      trace = decisionTrace('approve', row.id, row.incident_id);
      row.status = 'approved';
      row.decided_by = by;
      await this.store.takeLease(row.id, this.leases.lease(), this.now(), true);
      await this.record(row, 'approved', { reason: `approved by ${by}` }, { trace });
      return { row, ...found };
    });
    const inc = await this.store.getIncident(row.incident_id);
    if (inc) this.spawn(() => this.execute(row, inc, rule, action, trace));
    return row;
  }

  /** POST /actions/:id/reject. */
  async reject(id: string, by: string, reason: string): Promise<ActionRow> {
    return this.decision(id, async (row) => {
      row.decided_by = by;
      await this.finish(row, 'rejected', `rejected by ${by}${reason ? `: ${reason}` : ''}`);
      return row;
    });
  }

  /** An operator's decision on an action awaiting approval, under its key; an expired one is recorded expired (committed) and refused. */
  private async decision<T>(id: string, decide: (row: ActionRow) => Promise<T>): Promise<T> {
    const out = await this.store.exclusive([lockKey.action(id)], async (): Promise<{ ok: T } | { refused: IncidentError }> => {
      const row = await this.store.getAction(id);
      if (!row) return { refused: new IncidentError(404, `no action ${id}`) };
      if (row.status !== 'awaiting_approval') return { refused: new IncidentError(409, `action ${id} is ${row.status}, not awaiting approval`) };
      if (row.expires_at !== null && row.expires_at <= this.now()) {
        await this.finish(row, 'expired', `approval expired at ${new Date(row.expires_at).toISOString()}`);
        return { refused: new IncidentError(409, `action ${id}: approval expired at ${new Date(row.expires_at).toISOString()}`) };
      }
      return { ok: await decide(row) };
    });
    await this.outbox.flush();
    await this.refreshPending();
    if ('refused' in out) throw out.refused;
    return out.ok;
  }

  private find(row: ActionRow): { rule: RemediationRule; action: WebhookAction } {
    const rule = this.rules.find((r) => r.name === row.rule);
    const action = rule?.actions.find((a) => a.name === row.action);
    if (!rule || !action) throw new IncidentError(409, `rule ${row.rule}/${row.action} is no longer loaded`);
    return { rule, action };
  }

  /**
   * Timers, in any process: approvals that expired, verification of delivered actions whose window
   * has passed (each under the action's key, re-read, so two processes decide it once), then the
   * actions of processes that died.
   */
  async sweep(): Promise<void> {
    const now = this.now();
    const due = (r: ActionRow) =>
      (r.status === 'awaiting_approval' && r.expires_at !== null && r.expires_at <= now) || (r.status === 'delivered' && r.verify_by !== null && r.verify_by <= now);
    for (const seen of (await this.store.actionsIn(['awaiting_approval', 'delivered'])).filter(due)) {
      await this.store.exclusive([lockKey.action(seen.id)], async () => {
        const row = await this.store.getAction(seen.id);
        if (!row || !due(row)) return;
        if (row.status === 'awaiting_approval') {
          await this.finish(row, 'expired', `no decision by ${new Date(row.expires_at!).toISOString()}`);
          return;
        }
        const after = await this.store.countFindingsBetween(row.entity, row.delivered_at!, row.verify_by!);
        const within = (row.verify_by! - row.delivered_at!) / 1000;
        if (after === 0) await this.finish(row, 'verified', `no finding on ${row.entity} within ${within} s of delivery`);
        else await this.finish(row, 'not_verified', `${after} finding(s) on ${row.entity} within ${within} s of delivery`);
      });
    }
    await this.outbox.flush();
    await this.adopt();
    await this.refreshPending();
  }

  /** At start: renew this process's leases from now on, and take up what processes that died (or stopped) left half-way. */
  async resume(): Promise<number> {
    this.leases.start();
    return this.adopt();
  }

  /**
   * Unfinished actions whose lease expired (their process died, or stopped cleanly and released
   * them) are taken up — each by one process: taking the lease is one conditional update. The
   * same webhook-id goes out, so a receiver drops a repeat of a request the dead process sent.
   * An executing action counts against its rule's max_concurrent again: it waits for room.
   */
  private async adopt(): Promise<number> {
    let adopted = 0;
    for (const row of await this.store.orphanedActions(this.now(), 100)) {
      if (this.working.has(row.id)) continue;
      const inc = await this.store.getIncident(row.incident_id);
      const rule = this.rules.find((r) => r.name === row.rule);
      const action = rule?.actions.find((a) => a.name === row.action);
      const max = action?.guardrails.max_concurrent;
      const taken = await this.store.exclusive([lockKey.action(row.id), ...(rule ? [lockKey.rule(rule.name)] : [])], async () => {
        const now = this.now();
        if ((await this.store.getAction(row.id))?.status !== row.status) return false;
        if (row.status === 'executing' && rule && max !== undefined && (await this.store.countExecuting(rule.name, now)) >= max) return false;
        return this.store.takeLease(row.id, this.leases.lease(), now);
      });
      if (!taken) continue;
      adopted += 1;
      if (!inc || !rule || !action) {
        await this.finish(row, 'skipped', `cannot resume: ${!inc ? 'incident' : 'rule'} no longer known`, { fenced: true }).catch((e: unknown) => this.leftToAdopter(e));
        continue;
      }
      this.logger.log(`adopted action ${row.id} (${rule.name}/${action.name} on ${row.entity}, ${row.status}): the process that held it is gone`);
      const trace = decisionTrace('resume', row.id, row.incident_id);
      if (row.status === 'planned') await this.decide(row, inc, rule, action, trace).catch((e: unknown) => this.leftToAdopter(e));
      else this.spawn(() => this.execute(row, inc, rule, action, trace, row.status === 'executing'));
    }
    return adopted;
  }

  async stop(graceMs = 5000): Promise<void> {
    this.stopping.abort();
    await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => setTimeout(r, graceMs).unref())]);
    // What is left unfinished is another process's (or the next start's) at once, not after the lease.
    await this.leases.release();
  }

  private body(row: ActionRow, inc: Incident, rule: RemediationRule, action: WebhookAction, dryRun: boolean): string {
    return renderBody(action, { incident: inc, action: { id: row.id, name: action.name, rule: rule.name, dry_run: dryRun }, externalUrl: this.externalUrl });
  }

  /** Runs `task` on its own, outside the caller's exclusive section (a delivery must not hold its transaction). */
  private spawn(task: () => Promise<void>): void {
    const tracked = detached(task).catch((e: Error) => this.logger.warn(`remediation task failed: ${e.stack ?? e.message}`)).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private async finish(row: ActionRow, decision: Decision, reason: string, opts: RecordOpts = {}): Promise<void> {
    row.status = decision === 'failed' ? row.status : (decision as ActionRow['status']);
    await this.record(row, decision, { reason }, opts);
  }

  /**
   * The row as it is now, its decision row and its aiops.remediations record (and `more`: a dead
   * letter), in one transaction; then appended — after the exclusive section, when inside one
   * (its caller flushes). `fenced`: only while this process holds the action's lease.
   */
  private async record(row: ActionRow, decision: Decision, extra: { reason?: string; attempt?: number; status_code?: number }, opts: RecordOpts = {}): Promise<void> {
    const { trace, more = [], fenced = false } = opts;
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
    await this.store.commit({ actions: [row], actionEvents: [ev], outbox: [out, ...more], ...(fenced ? { fence: this.owner } : {}) });
    m.actions.labels(decision).inc();
    if (!insideExclusive()) await this.outbox.flush();
  }

  private async refreshPending(): Promise<void> {
    m.approvalsPending.set((await this.store.actionsIn(['awaiting_approval'])).length);
  }
}

/** Waits `ms`; false when `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', abort);
      resolve(true);
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', abort, { once: true });
  });
}
