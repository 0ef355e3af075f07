import { clone, MemoryRecordStore } from '../../lib/incident-records/index.js';
import type { ActionEvent, ActionRow, Finding, Incident, IncidentEvent, Silence } from '../types.js';
import { LIVE, type Commit, type FindingRecord, type IncidentQuery, type IncidentStore } from './store.js';

/**
 * The incidents service's tables in the memory database (no database configured: the embedded
 * default), shared with remediation in this process. Lost on exit.
 */
export class MemoryIncidentStore extends MemoryRecordStore implements IncidentStore {
  async findingEvents(id: string): Promise<IncidentEvent[] | undefined> {
    const x = this.findings.get(id);
    return x && clone(x.events);
  }
  async recordFinding(r: FindingRecord): Promise<void> {
    if (this.findings.has(r.finding.id)) return;
    this.findings.set(r.finding.id, { f: clone(r.finding), incidentId: r.incidentId, suppressedBy: r.suppressedBy, receivedAt: r.receivedAt, events: clone(r.events) });
    for (const i of r.incidents) this.incidents.set(i.id, clone(i));
  }
  async findingsOf(incidentId: string): Promise<Array<Finding & { received_at: number }>> {
    return [...this.findings.values()].filter((x) => x.incidentId === incidentId).map((x) => ({ ...clone(x.f), received_at: x.receivedAt }));
  }

  async saveIncident(i: Incident): Promise<void> {
    this.incidents.set(i.id, clone(i));
  }
  async liveIncidentByGroup(groupKey: string): Promise<Incident | undefined> {
    const i = [...this.incidents.values()].find((x) => x.group_key === groupKey && isLive(x));
    return i && clone(i);
  }
  async listIncidents(q: IncidentQuery): Promise<Incident[]> {
    return [...this.incidents.values()]
      .filter((i) => (q.status ? i.status === q.status : i.status !== 'pending') && (!q.entity || i.entity === q.entity))
      .sort((a, b) => b.first_seen - a.first_seen)
      .slice(0, q.limit ?? 100)
      .map(clone);
  }
  async quietIncidents(before: number): Promise<Incident[]> {
    return [...this.incidents.values()].filter((i) => isLive(i) && i.last_received_at < before).map(clone);
  }
  async countLive(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const i of this.incidents.values()) if (i.status === 'open' || i.status === 'acknowledged') out[i.severity] = (out[i.severity] ?? 0) + 1;
    return out;
  }
  async hasLiveKind(entity: string, kind: string): Promise<boolean> {
    return [...this.incidents.values()].some((i) => i.entity === entity && (i.status === 'open' || i.status === 'acknowledged') && i.kinds.includes(kind));
  }

  async saveSilence(s: Silence): Promise<void> {
    this.silences.set(s.id, clone(s));
  }
  async getSilence(id: string): Promise<Silence | undefined> {
    const s = this.silences.get(id);
    return s && clone(s);
  }

  async commit(c: Commit): Promise<void> {
    for (const i of c.incidents ?? []) this.incidents.set(i.id, clone(i));
    this.mem.insertOutbox(c.outbox);
  }

  async actionsOf(incidentId: string): Promise<ActionRow[]> {
    return [...this.actions.values()]
      .filter((a) => a.incident_id === incidentId)
      .sort((a, b) => b.created_at - a.created_at)
      .slice(0, 100)
      .map(clone);
  }
  async decisionsOf(incidentId: string): Promise<ActionEvent[]> {
    return [...this.events.values()]
      .filter((e) => e.incident_id === incidentId)
      .sort((a, b) => a.timestamp - b.timestamp)
      .map(clone);
  }
}

function isLive(i: Incident): boolean {
  return (LIVE as readonly string[]).includes(i.status);
}
