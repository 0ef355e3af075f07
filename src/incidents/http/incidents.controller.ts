import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { checkMatcher } from '../../lib/incident-records/index.js';
import { durationMs } from '../../platform/config/duration.js';
import { actor, BearerGuard, bodyString as str, type AuthedRequest, type Json } from '../../platform/http/bearer.guard.js';
import { answering } from '../../platform/http/refusal.js';
import { INCIDENTS_RUNTIME, type IncidentsRuntime } from '../incidents.runtime.js';
import type { Incident, IncidentStatus, Silence } from '../types.js';
import { rankingFor } from './reco-ranking.js';

/**
 * The incidents API: read incidents and silences; acknowledge, resolve, mark a false positive,
 * silence — the mutations behind a bearer token. Thin: the logic is in IncidentsService, the
 * queries in the store. (Actions, their approval and rejection: src/remediation.)
 */
@Controller()
export class IncidentsController {
  constructor(@Inject(INCIDENTS_RUNTIME) private readonly rt: IncidentsRuntime) {}

  @Get('incidents')
  async list(@Query('status') status?: string, @Query('entity') entity?: string, @Query('limit') limit?: string): Promise<{ incidents: Incident[] }> {
    if (status !== undefined && !['open', 'acknowledged', 'resolved'].includes(status)) throw new BadRequestException('status must be open, acknowledged or resolved');
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new BadRequestException('limit must be an integer in 1..1000');
    return { incidents: await this.rt.store.listIncidents({ ...(status ? { status: status as IncidentStatus } : {}), ...(entity ? { entity } : {}), limit: n }) };
  }

  @Get('incidents/:id')
  async read(@Param('id') id: string): Promise<object> {
    const incident = await this.rt.store.getIncident(id);
    if (!incident || incident.status === 'pending') throw new NotFoundException(`no incident ${id}`);
    const [findings, actions, decisions] = await Promise.all([
      this.rt.store.findingsOf(id),
      this.rt.store.actionsOf(id),
      this.rt.store.decisionsOf(id),
    ]);
    const ranking = this.rt.options.recoUrl ? await rankingFor(this.rt.options.recoUrl, incident, this.rt.rules) : undefined;
    return { incident, findings, actions, decisions, ...(ranking ? { ranking } : {}) };
  }

  @Post('incidents/:id/ack')
  @HttpCode(200)
  @UseGuards(BearerGuard)
  async ack(@Param('id') id: string, @Req() req: AuthedRequest, @Body() body: Json): Promise<{ incident: Incident }> {
    const { incident } = await answering(() => this.rt.incidents.acknowledge(id, actor(req, body)));
    await this.rt.outbox.flush();
    return { incident };
  }

  @Post('incidents/:id/resolve')
  @HttpCode(200)
  @UseGuards(BearerGuard)
  async resolve(@Param('id') id: string, @Req() req: AuthedRequest, @Body() body: Json): Promise<{ incident: Incident }> {
    const by = actor(req, body);
    const reason = str(body, 'reason') ?? `resolved by ${by}`;
    const { incident } = await answering(() => this.rt.incidents.resolve(id, by, reason));
    await this.rt.outbox.flush();
    return { incident };
  }

  /** Resolves the incident (if live) as a false positive and tells the detector on aiops.feedback. */
  @Post('incidents/:id/false-positive')
  @HttpCode(200)
  @UseGuards(BearerGuard)
  async falsePositive(@Param('id') id: string, @Req() req: AuthedRequest, @Body() body: Json): Promise<{ incident: Incident; feedback: object }> {
    const by = actor(req, body);
    const comment = str(body, 'comment');
    const { incident, feedback } = await answering(() => this.rt.incidents.markFalsePositive(id, by, comment));
    await this.rt.outbox.flush();
    return { incident, feedback };
  }

  @Get('silences')
  async silences(): Promise<{ silences: Silence[] }> {
    return { silences: await this.rt.store.listSilences(Date.now()) };
  }

  /**
   * `{matchers: [{name, value, op?}], starts_at?, ends_at? | duration?, comment?}`: times as ISO
   * strings or epoch ms; a future starts_at makes a maintenance window.
   */
  @Post('silences')
  @HttpCode(201)
  @UseGuards(BearerGuard)
  async createSilence(@Req() req: AuthedRequest, @Body() body: Json): Promise<{ silence: Silence }> {
    if (!body || !Array.isArray(body.matchers) || body.matchers.length === 0) throw new BadRequestException('matchers must be a non-empty array');
    let matchers;
    try {
      matchers = body.matchers.map((m, i) => checkMatcher(m, `matchers[${i}]`));
    } catch (e) {
      throw new BadRequestException((e as Error).message);
    }
    const now = Date.now();
    const starts = body.starts_at === undefined ? now : time(body.starts_at, 'starts_at');
    let ends: number;
    if (body.ends_at !== undefined) ends = time(body.ends_at, 'ends_at');
    else {
      const d = durationMs(body.duration);
      if (d === undefined) throw new BadRequestException('give ends_at or duration (like 30m)');
      ends = starts + d;
    }
    if (ends <= starts) throw new BadRequestException('ends_at must be after starts_at');
    if (ends <= now) throw new BadRequestException('ends_at is in the past');
    const silence: Silence = { id: randomUUID(), matchers, starts_at: starts, ends_at: ends, created_by: actor(req, body), comment: str(body, 'comment') ?? '', created_at: now };
    await this.rt.store.saveSilence(silence);
    return { silence };
  }

  /** Ends a silence now (kept for the record). */
  @Delete('silences/:id')
  @UseGuards(BearerGuard)
  async expireSilence(@Param('id') id: string): Promise<{ silence: Silence }> {
    const silence = await this.rt.store.getSilence(id);
    if (!silence) throw new NotFoundException(`no silence ${id}`);
    silence.ends_at = Math.min(silence.ends_at, Date.now());
    await this.rt.store.saveSilence(silence);
    return { silence };
  }
}

function time(v: unknown, name: string): number {
  const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t) || t < 0) throw new BadRequestException(`${name} must be an ISO time or epoch milliseconds`);
  return t;
}
