import type { Context } from '@opentelemetry/api';
import { ruleMatches, type RemediationRule, type WebhookAction } from '../lib/remediation-rules/index.js';
import { messageId } from '../platform/bus/message-id.js';
import { detached } from '../platform/db/exclusive.js';
import { platformMetrics } from '../platform/metrics/registry.js';
import { ActionRecorder, type DecisionRecord } from './action-recorder.js';
import { renderBody } from './delivery/body.js';
import { CircuitBreakers } from './delivery/circuit-breaker.js';
import { undeliveredAction } from './delivery/dead-letter.js';
import { withoutSecrets } from './delivery/redact-url.js';
import { ephemeralSecret } from '../platform/webhooks/signing.js';
import { buildRequest, STOPPING, WebhookSender } from './delivery/webhook-sender.js';
import { decisionTrace } from './decision-trace.js';
import { previewRequest } from './dry-run-preview.js';
import { claimKeys } from './guardrails/claim-keys.js';
import { decide } from './guardrails/decide.js';
import { verifyBy } from './guardrails/verification.js';
import { LeaseHeartbeat, processOwner } from './leases.js';
import { lockKey } from './lock-keys.js';
import type { RemediationOptions } from './options.js';
import { remediationMetrics as m } from './remediation.metrics.js';
import { sleep } from './sleep.js';
import { Slots } from './slots.js';
import { LeaseLost, type ActionStore } from './store/store.js';
import { ActionError, type ActionOutbox, type ActionRow, type Incident, type IncidentEvent, type RemediationLog } from './types.js';

export interface RemediationDeps {
  store: ActionStore;
  rules: RemediationRule[];
  options: RemediationOptions;
  outbox: ActionOutbox;
  logger: RemediationLog;
  now?: () => number;
  /** This process's name on its leases (default: host, pid and a nonce). */
  owner?: string;
}

/** One action of one incident, as the steps of its life see it. */
interface Job {
  row: ActionRow;
  incident: Incident;
  rule: RemediationRule;
  action: WebhookAction;
  trace?: Context | undefined;
}

/**
 * Incidents → actions, through the guardrails (guardrails/decide.ts). Every decision, skips
 * included, is a row (action_events) and an aiops.remediations event.
 *
 * Several processes may share one store. What two of them could decide at once is decided in the
 * store's exclusive sections: an action's claim (the guardrail checks and the start) holds its
 * environment, cooldown, target, rule and action keys; approve, reject, expiry and verification
 * hold the action's key and re-read it. An unfinished action is leased to the process working on
 * it; when that process dies another adopts it (same id, so the same webhook-id).
 */
export class RemediationService {
  readonly rules: RemediationRule[];
  readonly owner: string;
  private readonly store: ActionStore;
  private readonly options: RemediationOptions;
  private readonly outbox: ActionOutbox;
  private readonly logger: RemediationLog;
  private readonly now: () => number;
  private readonly slots: Slots;
  private readonly leases: LeaseHeartbeat;
  private readonly recorder: ActionRecorder;
  /** Actions this process is executing now: never adopted from itself. */
  private readonly working = new Set<string>();
  private readonly stopping = new AbortController();
  private readonly running = new Set<Promise<void>>();
  private readonly sender: WebhookSender;
  private readonly previewSecret = ephemeralSecret();

  constructor(deps: RemediationDeps) {
    ({ store: this.store, rules: this.rules, options: this.options, outbox: this.outbox, logger: this.logger } = deps);
    this.now = deps.now ?? Date.now;
    this.owner = deps.owner ?? processOwner();
    const { guardrails, delivery, topics } = this.options;
    this.slots = new Slots(guardrails.maxConcurrent);
    this.leases = new LeaseHeartbeat(this.store, this.owner, guardrails.leaseMs, this.now, (msg) => this.logger.warn(msg));
    this.sender = new WebhookSender(delivery, new CircuitBreakers(delivery.breakerThreshold, delivery.breakerResetMs, this.now), this.stopping.signal);
    this.recorder = new ActionRecorder({ store: this.store, outbox: this.outbox, topic: topics.remediations, owner: this.owner, now: this.now });
  }

  /**
   * An aiops.incidents event: an incident that opened gets its matching rules' actions planned.
   * Returns false for an `opened` event of an incident not in the store (another producer's):
   * the caller dead-letters it rather than act on what it cannot check.
   */
  async onIncidentEvent(ev: IncidentEvent, trace?: Context): Promise<boolean> {
    if (ev.event === 'resolved') {
      await this.withdrawApprovals(ev.incident_id, trace);
      return true;
    }
    if (ev.event !== 'opened') return true;
    const incident = await this.store.getIncident(ev.incident_id);
    if (!incident) return false;
    for (const rule of this.rules) {
      if (!ruleMatches(rule, incident)) continue;
      for (const action of rule.actions) await this.plan({ incident, rule, action, trace }).catch((e: unknown) => this.leftToAdopter(e));
    }
    return true;
  }

  /** A LeaseLost: this process outlived its lease and another adopted the action, which finishes it. Anything else is thrown. */
  private leftToAdopter(e: unknown): void {
    if (!(e instanceof LeaseLost)) throw e;
    this.logger.warn(`${e.message}; left to it`);
  }

  private async plan({ incident: inc, rule, action, trace }: Omit<Job, 'row'>): Promise<void> {
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
    const job: Job = { row, incident: inc, rule, action, trace };
    if (!(await this.store.insertAction(row, this.leases.lease()))) {
      // Seen before. Still `planned` means the last try failed before deciding (say the event
      // could not be appended): decide now, unless a live process holds it. Anything else was decided.
      const stored = await this.store.getAction(row.id);
      if (stored?.status === 'planned' && (await this.store.takeLease(row.id, this.leases.lease(), this.now()))) await this.decide({ ...job, row: stored });
      return;
    }
    await this.record({ row, decision: 'planned', reason: `rule ${rule.name} (${rule.file}:${rule.line}) matched incident ${inc.id} on ${inc.entity}`, trace, fenced: true });
    await this.decide(job);
  }

  /** The guardrails before sending: skip, preview, wait for approval, or execute. */
  private async decide(job: Job): Promise<void> {
    const { row, incident, rule, action, trace } = job;
    const current = (await this.store.getIncident(incident.id)) ?? incident;
    // Resolution is judged on the incident as it is now; the rest on the incident as planned.
    const verdict = await decide({ at: 'plan', store: this.store, defaults: this.options.guardrails, row, rule, action, now: this.now(), incident: { ...incident, status: current.status, resolution: current.resolution } });
    switch (verdict.outcome) {
      case 'skip':
        return this.finish({ row, decision: 'skipped', reason: verdict.reason, trace, fenced: true });
      case 'dry_run':
        return this.dryRun(job, verdict.why);
      case 'await_approval':
        row.status = 'awaiting_approval';
        row.expires_at = verdict.expiresAt;
        await this.record({ row, decision: 'awaiting_approval', reason: `approval required; expires ${new Date(verdict.expiresAt).toISOString()}`, trace, fenced: true });
        await this.refreshPending();
        return;
      case 'execute':
        this.spawn(() => this.execute(job));
    }
  }

  private async dryRun(job: Job, why: string): Promise<void> {
    const { row, incident, rule, action, trace } = job;
    const secrets = action.secrets.length > 0 ? action.secrets : [this.previewSecret];
    const req = buildRequest({ id: row.id, url: action.url, body: this.body(job, true), headers: action.headers, secrets, timeoutMs: 0 });
    this.logger.log(
      `DRY RUN (${why}) ${rule.name}/${action.name} for incident ${incident.id} on ${incident.entity}: would send\n  ${previewRequest(req)}${action.ephemeralSecret ? `\n  (signed with a throwaway secret: no secret configured${action.secretEnv ? ` in ${action.secretEnv}` : ''})` : ''}`,
    );
    await this.finish({ row, decision: 'dry_run', reason: `dry-run (${why}): would POST ${row.target} as ${action.format}, webhook-id ${row.id}`, trace, fenced: true });
  }

  /** Holding a concurrency slot: the claim (unless `resumed`: claimed before), then the delivery and its outcome. */
  private async execute(job: Job, { resumed = false } = {}): Promise<void> {
    const { row, rule, action, trace } = job;
    const release = await this.slots.acquire(rule.name, action.guardrails.max_concurrent, this.stopping.signal);
    if (!release) return; // stopping before a slot came free: the row stays as it is and resumes next start
    this.working.add(row.id);
    try {
      if (!resumed && !(await this.claim(job))) return;
      m.actionsInFlight.set(this.slots.inUse);
      const body = this.body(job, false);
      const result = await this.sender.deliver(
        { id: row.id, url: action.url, body, headers: action.headers, secrets: action.secrets, timeoutMs: action.timeout_ms ?? this.options.delivery.timeoutMs, ...(trace ? { trace } : {}) },
        async (f) => {
          row.attempts = f.attempt;
          await this.record({ row, decision: 'failed', reason: f.reason, attempt: f.attempt, ...(f.statusCode !== undefined ? { statusCode: f.statusCode } : {}), trace, fenced: true });
        },
      );
      if (!result.ok && result.reason === STOPPING) return;
      row.attempts = result.attempts;
      if (result.ok) {
        const now = this.now();
        row.status = 'delivered';
        row.delivered_at = now;
        row.verify_by = verifyBy(action, this.options.guardrails, now) ?? row.verify_by;
        await this.record({ row, decision: 'delivered', reason: `HTTP ${result.statusCode} after ${result.attempts} attempt(s)`, attempt: result.attempts, statusCode: result.statusCode, trace, fenced: true });
      } else {
        row.status = 'dead_lettered';
        // The action itself goes to the dead-letter topic, in the transaction of its decision.
        const dl = undeliveredAction(row, { url: action.url, format: action.format, body }, result, this.now());
        const { remediations, remediationsDlq } = this.options.topics;
        await this.record({
          row,
          decision: 'dead_lettered',
          reason: `gave up after ${result.attempts} attempt(s): ${result.reason}`,
          attempt: result.attempts,
          ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
          trace,
          fenced: true,
          more: [this.outbox.deadLetter(remediationsDlq, dl.key, dl.id, dl.value, dl.headers, trace)],
        });
        platformMetrics.deadLettered.labels('remediation', remediations, 'delivery_failed').inc();
        this.logger.warn(`action ${row.id} (${rule.name}/${action.name}) to ${dl.value.target} dead-lettered to ${remediationsDlq} after ${result.attempts} attempt(s): ${result.reason}`);
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
   * Check and claim in one exclusive section (see claimKeys): the guardrails' `claim` step, and
   * the action starts (`executing`, started_at) in the same transaction or is skipped with the
   * reason. While the rule is at its max_concurrent in another process, asks again shortly.
   * False: not started.
   */
  private async claim({ row, rule, action, trace }: Job): Promise<boolean> {
    for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
      const now = this.now();
      const outcome = await this.store.exclusive(claimKeys(row, rule), async () => {
        const current = await this.store.getAction(row.id);
        if (!current || (current.status !== 'planned' && current.status !== 'approved')) return 'gone';
        const verdict = await decide({ at: 'claim', store: this.store, defaults: this.options.guardrails, row, rule, action, now });
        if (verdict.outcome === 'busy') return 'busy';
        if (verdict.outcome === 'skip') {
          await this.finish({ row, decision: 'skipped', reason: verdict.reason, trace, fenced: true });
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
        if ((await this.store.getAction(row.id))?.status === 'awaiting_approval') await this.finish({ row, decision: 'skipped', reason: 'incident resolved before a decision', trace });
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
    const { row, rule, action } = await this.operatorDecision(id, async (row) => {
      const found = this.find(row);
      // The approval and the delivery it lets go share one trace.
      trace = decisionTrace('approve', row.id, row.incident_id);
      row.status = 'approved';
      row.decided_by = by;
      await this.store.takeLease(row.id, this.leases.lease(), this.now(), true);
      await this.record({ row, decision: 'approved', reason: `approved by ${by}`, trace });
      return { row, ...found };
    });
    const incident = await this.store.getIncident(row.incident_id);
    if (incident) this.spawn(() => this.execute({ row, incident, rule, action, trace }));
    return row;
  }

  /** POST /actions/:id/reject. */
  async reject(id: string, by: string, reason: string): Promise<ActionRow> {
    return this.operatorDecision(id, async (row) => {
      row.decided_by = by;
      await this.finish({ row, decision: 'rejected', reason: `rejected by ${by}${reason ? `: ${reason}` : ''}` });
      return row;
    });
  }

  /** An operator's decision on an action awaiting approval, under its key; an expired one is recorded expired (committed) and refused. */
  private async operatorDecision<T>(id: string, decideIt: (row: ActionRow) => Promise<T>): Promise<T> {
    const out = await this.store.exclusive([lockKey.action(id)], async (): Promise<{ ok: T } | { refused: ActionError }> => {
      const row = await this.store.getAction(id);
      if (!row) return { refused: new ActionError(404, `no action ${id}`) };
      if (row.status !== 'awaiting_approval') return { refused: new ActionError(409, `action ${id} is ${row.status}, not awaiting approval`) };
      if (row.expires_at !== null && row.expires_at <= this.now()) {
        await this.finish({ row, decision: 'expired', reason: `approval expired at ${new Date(row.expires_at).toISOString()}` });
        return { refused: new ActionError(409, `action ${id}: approval expired at ${new Date(row.expires_at).toISOString()}`) };
      }
      return { ok: await decideIt(row) };
    });
    await this.outbox.flush();
    await this.refreshPending();
    if ('refused' in out) throw out.refused;
    return out.ok;
  }

  private find(row: ActionRow): { rule: RemediationRule; action: WebhookAction } {
    const rule = this.rules.find((r) => r.name === row.rule);
    const action = rule?.actions.find((a) => a.name === row.action);
    if (!rule || !action) throw new ActionError(409, `rule ${row.rule}/${row.action} is no longer loaded`);
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
          await this.finish({ row, decision: 'expired', reason: `no decision by ${new Date(row.expires_at!).toISOString()}` });
          return;
        }
        const verdict = await decide({ at: 'verify', store: this.store, row: { ...row, delivered_at: row.delivered_at!, verify_by: row.verify_by! } });
        await this.finish({ row, decision: verdict.outcome, reason: verdict.reason });
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
      const incident = await this.store.getIncident(row.incident_id);
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
      if (!incident || !rule || !action) {
        await this.finish({ row, decision: 'skipped', reason: `cannot resume: ${!incident ? 'incident' : 'rule'} no longer known`, fenced: true }).catch((e: unknown) => this.leftToAdopter(e));
        continue;
      }
      this.logger.log(`adopted action ${row.id} (${rule.name}/${action.name} on ${row.entity}, ${row.status}): the process that held it is gone`);
      const job: Job = { row, incident, rule, action, trace: decisionTrace('resume', row.id, row.incident_id) };
      if (row.status === 'planned') await this.decide(job).catch((e: unknown) => this.leftToAdopter(e));
      else this.spawn(() => this.execute(job, { resumed: row.status === 'executing' }));
    }
    return adopted;
  }

  async stop(graceMs = 5000): Promise<void> {
    this.stopping.abort();
    await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => setTimeout(r, graceMs).unref())]);
    // What is left unfinished is another process's (or the next start's) at once, not after the lease.
    await this.leases.release();
  }

  private body({ row, incident, rule, action }: Job, dryRun: boolean): string {
    return renderBody(action, { incident, action: { id: row.id, name: action.name, rule: rule.name, dry_run: dryRun }, externalUrl: this.options.externalUrl });
  }

  /** Runs `task` on its own, outside the caller's exclusive section (a delivery must not hold its transaction). */
  private spawn(task: () => Promise<void>): void {
    const tracked = detached(task).catch((e: Error) => this.logger.warn(`remediation task failed: ${e.stack ?? e.message}`)).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private finish(d: DecisionRecord & { reason: string }): Promise<void> {
    return this.recorder.finish(d);
  }

  private record(d: DecisionRecord): Promise<void> {
    return this.recorder.record(d);
  }

  private async refreshPending(): Promise<void> {
    m.approvalsPending.set((await this.store.actionsIn(['awaiting_approval'])).length);
  }
}
