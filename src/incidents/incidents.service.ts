import { createHash } from 'node:crypto';
import { messageId } from '../platform/bus/message-id.js';
import { environmentOf, findingAttributes } from './findings.js';
import { incidentMetrics as m } from './incidents.metrics.js';
import { matchesAll } from '../lib/incident-records/index.js';
import type { IncidentsOptions } from './options.js';
import type { OutboxRecord } from '../platform/db/outbox.js';
import { Refusal } from '../platform/http/refusal.js';
import { SerialQueue } from '../platform/serial-queue.js';
import { lockKey } from './lock-keys.js';
import type { IncidentStore } from './store/store.js';
import type { Finding, Incident, IncidentEvent, Severity, Silence } from './types.js';

/** An HTTP-facing failure: the controller maps it to a status code. */
export class IncidentError extends Refusal {}

/**
 * Findings → incidents, no Kafka here: dedup (a finding id seen before changes nothing), silences
 * and inhibition, grouping (one live incident per grouping key while findings keep coming within
 * the window), the occurrence threshold, auto-resolve after a quiet period, and the operator's
 * acknowledge / resolve / false positive. Every lifecycle change returns its aiops.incidents event.
 *
 * `serial` orders this process's work; what another incidents process on the same store could
 * change at once is done in an exclusive section on the grouping key (README "Several processes"):
 * a finding's read of its group's live incident and its write, the sweep's resolve and the API's
 * changes of an incident all re-read the incident under that key.
 */
export class IncidentsService {
  readonly serial = new SerialQueue();

  constructor(
    readonly store: IncidentStore,
    readonly options: IncidentsOptions,
    private readonly now: () => number = Date.now,
    /** Builds (and checks) outbox records; the runtime passes Outbox.record. */
    private readonly records: (topic: string, key: string, id: string, value: object) => OutboxRecord = (topic, key, id, value) => ({ id, topic, key, value, headers: { 'vigil-id': id } }),
  ) {}

  /** Told of each finding a silence or an inhibition kept out (the consumer logs it). */
  onSuppressed: (f: Finding, by: string) => void = () => {};

  private outboxOf(e: IncidentEvent): OutboxRecord {
    return this.records(this.options.topics.incidents, e.incident_id, e.id, e);
  }

  onFindings(findings: readonly Finding[]): Promise<IncidentEvent[]> {
    return this.serial.run(async () => {
      const out: IncidentEvent[] = [];
      const silences = await this.store.listSilences(this.now());
      for (const f of findings) out.push(...(await this.onFinding(f, silences)));
      return out;
    });
  }

  private onFinding(f: Finding, silences: Silence[]): Promise<IncidentEvent[]> {
    return this.store.exclusive([lockKey.group(this.groupKey(f))], () => this.onFindingLocked(f, silences));
  }

  private async onFindingLocked(f: Finding, silences: Silence[]): Promise<IncidentEvent[]> {
    // A finding stored before (redelivered after a crash) changes nothing, but the events it
    // caused are returned again: they may not have reached the topic (their ids let consumers drop repeats).
    const earlier = await this.store.findingEvents(f.id);
    if (earlier) {
      m.findings.labels('duplicate').inc();
      return earlier;
    }
    const now = this.now();
    const environment = environmentOf(f.labels);
    const suppressed = await this.suppression(f, environment, silences, now);
    if (suppressed) {
      await this.store.recordFinding({ finding: f, incidentId: null, suppressedBy: suppressed, receivedAt: now, events: [], incidents: [] });
      m.findings.labels(suppressed.split(':')[0]!).inc();
      this.onSuppressed(f, suppressed);
      return [];
    }
    const groupKey = this.groupKey(f);
    const out: IncidentEvent[] = [];
    const changed: Incident[] = [];
    let incident = await this.store.liveIncidentByGroup(groupKey);
    if (incident && f.timestamp - incident.last_seen > this.options.groupWindowMs) {
      // The window passed in event time without a finding: that incident is over, a new one starts.
      out.push(...this.close(incident, now, 'system', `no finding within ${this.options.groupWindowMs} ms (event time)`));
      changed.push(incident);
      incident = undefined;
    }
    const created = !incident;
    const inc = incident ?? this.newIncident(f, groupKey, environment, now);
    const before = { severity: inc.severity, kinds: inc.kinds.length };
    if (!created) {
      inc.occurrences += 1;
      inc.last_seen = Math.max(inc.last_seen, f.timestamp);
      inc.first_seen = Math.min(inc.first_seen, f.timestamp);
      inc.last_received_at = now;
      inc.score = Math.max(inc.score, f.score);
      if (!inc.kinds.includes(f.kind)) inc.kinds.push(f.kind);
      if (!inc.fingerprints.includes(f.fingerprint)) inc.fingerprints.push(f.fingerprint);
      inc.severity = maxSeverity(inc.severity, this.severity(f));
    }
    if (inc.status === 'pending' && inc.occurrences >= this.options.minOccurrences) {
      inc.status = 'open';
      inc.opened_at = now;
      out.push(this.event(inc, 'opened', now));
    } else if (inc.status !== 'pending' && !created && (inc.severity !== before.severity || inc.kinds.length !== before.kinds)) {
      out.push(this.event(inc, 'updated', now));
    }
    // The finding, the incidents it changed and the events it caused, in one transaction.
    await this.store.recordFinding({ finding: f, incidentId: inc.id, suppressedBy: null, receivedAt: now, events: out, incidents: [...changed, inc] });
    m.findings.labels('grouped').inc();
    return out;
  }

  /** `silence:<id>` or `inhibited:<kind>@<entity>` when the finding must not count; undefined otherwise. */
  private async suppression(f: Finding, environment: string, silences: Silence[], now: number): Promise<string | undefined> {
    const attrs = findingAttributes(f, environment);
    const silence = silences.find((s) => s.starts_at <= now && now < s.ends_at && matchesAll(s.matchers, attrs));
    if (silence) return `silenced:${silence.id}`;
    for (const rule of this.options.inhibit) {
      const source = f.labels[rule.targetLabel];
      if (source && f.kind !== rule.sourceKind && (await this.store.hasLiveKind(source, rule.sourceKind))) return `inhibited:${rule.sourceKind}@${source}`;
    }
    return undefined;
  }

  private groupKey(f: Finding): string {
    const parts = this.options.groupBy.map((k) => (k === 'entity' ? `entity=${f.entity}` : f.labels[k] ? `${k}=${f.labels[k]}` : ''));
    // A finding without any of the grouping labels groups by its entity rather than with every other such finding.
    return parts.some((p) => p !== '') ? parts.join('|') : `entity=${f.entity}`;
  }

  private newIncident(f: Finding, groupKey: string, environment: string, now: number): Incident {
    const fingerprint = createHash('sha256').update(groupKey).digest('hex').slice(0, 32);
    return {
      // Deterministic from the finding that started it: a replay recreates the same incident id.
      id: messageId('incident', groupKey, f.id),
      fingerprint,
      group_key: groupKey,
      entity: f.entity,
      environment,
      status: 'pending',
      severity: this.severity(f),
      title: f.title,
      labels: { ...f.labels, environment },
      kinds: [f.kind],
      fingerprints: [f.fingerprint],
      occurrences: 1,
      score: f.score,
      first_seen: f.timestamp,
      last_seen: f.timestamp,
      last_received_at: now,
      opened_at: null,
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
      resolved_by: null,
      resolution: null,
      false_positive: false,
      seq: 0,
    };
  }

  private severity(f: Finding): Severity {
    if (f.kind === 'host_down') return 'critical';
    return f.score >= this.options.criticalScore ? 'critical' : 'warning';
  }

  /** Resolves incidents quiet for the quiet period; pending ones that never reached the threshold just lapse. */
  sweep(): Promise<IncidentEvent[]> {
    return this.serial.run(async () => {
      const now = this.now();
      const out: IncidentEvent[] = [];
      for (const seen of await this.store.quietIncidents(now - this.options.quietMs)) {
        // Re-read under the group's key: a finding in another process may have just joined it.
        const events = await this.store.exclusive([lockKey.group(seen.group_key)], async () => {
          const inc = await this.store.getIncident(seen.id);
          if (!inc || !['pending', 'open', 'acknowledged'].includes(inc.status) || inc.last_received_at >= now - this.options.quietMs) return [];
          const events = this.close(inc, now, 'system', `auto-resolved: no finding for ${this.options.quietMs} ms`);
          await this.store.commit({ incidents: [inc], outbox: events.map((e) => this.outboxOf(e)) });
          return events;
        });
        out.push(...events);
      }
      await this.refreshGauge();
      return out;
    });
  }

  acknowledge(id: string, by: string): Promise<{ incident: Incident; events: IncidentEvent[] }> {
    return this.locked(id, async () => {
      const inc = await this.live(id);
      if (inc.status !== 'open') throw new IncidentError(409, `incident ${id} is ${inc.status}, only an open incident can be acknowledged`);
      const now = this.now();
      inc.status = 'acknowledged';
      inc.acknowledged_at = now;
      inc.acknowledged_by = by;
      const ev = this.event(inc, 'acknowledged', now);
      await this.store.commit({ incidents: [inc], outbox: [this.outboxOf(ev)] });
      return { incident: inc, events: [ev] };
    });
  }

  resolve(id: string, by: string, reason: string, falsePositive = false): Promise<{ incident: Incident; events: IncidentEvent[] }> {
    return this.locked(id, async () => {
      const inc = await this.live(id);
      const events = this.close(inc, this.now(), by, reason);
      if (falsePositive) inc.false_positive = true;
      await this.store.commit({ incidents: [inc], outbox: events.map((e) => this.outboxOf(e)) });
      await this.refreshGauge();
      return { incident: inc, events };
    });
  }

  /** Resolves a live incident as a false positive (or marks a resolved one) and tells the detector on aiops.feedback. */
  markFalsePositive(id: string, by: string, comment: string | undefined): Promise<{ incident: Incident; events: IncidentEvent[]; feedback: object }> {
    return this.locked(id, async () => {
      const inc = await this.store.getIncident(id);
      if (!inc || inc.status === 'pending') throw new IncidentError(404, `no incident ${id}`);
      if (inc.false_positive) throw new IncidentError(409, `incident ${id} is already marked a false positive`);
      const events = inc.status === 'resolved' ? [] : this.close(inc, this.now(), by, `false positive${comment ? `: ${comment}` : ''}`);
      inc.false_positive = true;
      const feedback = {
        id: messageId(id, 'feedback', 'false_positive'),
        entity: inc.entity,
        incident_id: id,
        timestamp: this.now(),
        kind: 'false_positive',
        by: by.slice(0, 256),
        ...(comment ? { comment: comment.slice(0, 4096) } : {}),
      };
      const outbox = [...events.map((e) => this.outboxOf(e)), this.records(this.options.topics.feedback, inc.entity, feedback.id, feedback)];
      await this.store.commit({ incidents: [inc], outbox });
      await this.refreshGauge();
      return { incident: inc, events, feedback };
    });
  }

  /** An operator's change of incident `id`: in order in this process, under its grouping key across processes; `task` reads the incident itself. */
  private locked<T>(id: string, task: () => Promise<T>): Promise<T> {
    return this.serial.run(async () => {
      const inc = await this.store.getIncident(id);
      return inc ? this.store.exclusive([lockKey.group(inc.group_key)], task) : task();
    });
  }

  private async live(id: string): Promise<Incident> {
    const inc = await this.store.getIncident(id);
    if (!inc || inc.status === 'pending') throw new IncidentError(404, `no incident ${id}`);
    if (inc.status === 'resolved') throw new IncidentError(409, `incident ${id} is already resolved`);
    return inc;
  }

  private close(inc: Incident, now: number, by: string, reason: string): IncidentEvent[] {
    const announced = inc.status !== 'pending';
    inc.status = 'resolved';
    inc.resolved_at = now;
    inc.resolved_by = by;
    inc.resolution = reason;
    return announced ? [this.event(inc, 'resolved', now)] : [];
  }

  private event(inc: Incident, event: IncidentEvent['event'], now: number): IncidentEvent {
    inc.seq += 1;
    m.events.labels(event).inc();
    return {
      id: messageId(inc.id, 'incident-event', inc.seq),
      incident_id: inc.id,
      fingerprint: inc.fingerprint,
      timestamp: now,
      event,
      status: inc.status === 'pending' ? 'open' : inc.status,
      entity: inc.entity,
      title: inc.title.slice(0, 1024),
      severity: inc.severity,
      labels: inc.labels,
      findings: inc.fingerprints.slice(0, 1000),
      score: Math.min(1, Math.max(0, inc.score)),
      environment: inc.environment,
      occurrences: inc.occurrences,
      kinds: inc.kinds.slice(0, 64),
      ...(event === 'resolved' && inc.resolution ? { resolution: inc.resolution.slice(0, 2048) } : {}),
      ...(inc.false_positive ? { false_positive: true } : {}),
    };
  }

  private async refreshGauge(): Promise<void> {
    const live = await this.store.countLive();
    for (const s of ['info', 'warning', 'critical'] as const) m.open.labels(s).set(live[s] ?? 0);
  }
}

const ORDER: Severity[] = ['info', 'warning', 'critical'];
function maxSeverity(a: Severity, b: Severity): Severity {
  return ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b;
}
