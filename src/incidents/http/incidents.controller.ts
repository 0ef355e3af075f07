import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  Body,
  ConflictException,
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
import { IncidentError } from '../incidents.service.js';
import { INCIDENTS_RUNTIME, type IncidentsRuntime } from '../incidents.runtime.js';
import { checkMatcher } from '../matchers.js';
import { parseDuration } from '../rules/duration.js';
import type { ActionRow, ActionStatus, Incident, IncidentStatus, Silence } from '../types.js';
import { ACTOR, BearerGuard } from './bearer.guard.js';
import { rankingFor } from './reco-ranking.js';

type AuthedRequest = { [ACTOR]?: string };
type Json = Record<string, unknown> | undefined;

/**
 * The incidents API: read incidents, actions and silences; acknowledge, resolve, mark a false
 * positive, silence, approve or reject — the mutations behind a bearer token. Thin: the logic is
 * in IncidentsService and RemediationService.
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
      this.rt.store.listActions({ incident_id: id }),
      this.rt.store.actionEvents({ incident_id: id }),
    ]);
    const ranking = this.rt.options.recoUrl ? await rankingFor(this.rt.options.recoUrl, incident, this.rt.remediation.rules) : undefined;
    return { incident, findings, actions, decisions, ...(ranking ? { ranking } : {}) };
  }

  @Post('incidents/:id/ack')
  @HttpCode(200)
  @UseGuards(BearerGuard)
  async ack(@Param('id') id: string, @Req() req: AuthedRequest, @Body() body: Json): Promise<{ incident: Incident }> {
    const { incident } = await this.call(() => this.rt.incidents.acknowledge(id, actor(req, body)));
    await this.rt.outbox.flush();
    return { incident };
  }

  @Post('incidents/:id/resolve')
  @HttpCode(200)
  @UseGuards(BearerGuard)
  async resolve(@Param('id') id: string, @Req() req: AuthedRequest, @Body() body: Json): Promise<{ incident: Incident }> {
    const by = actor(req, body);
    const reason = str(body, 'reason') ?? `resolved by ${by}`;
    const { incident } = await this.call(() => this.rt.incidents.resolve(id, by, reason));
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
    const { incident, feedback } = await this.call(() => this.rt.incidents.markFalsePositive(id, by, comment));
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
      const d = parseDuration(body.duration);
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

  @Get('actions')
  async actions(@Query('status') status?: string, @Query('incident_id') incidentId?: string): Promise<{ actions: ActionRow[] }> {
    return { actions: await this.rt.store.listActions({ ...(status ? { status: status as ActionStatus } : {}), ...(incidentId ? { incident_id: incidentId } : {}) }) };
  }

  @Get('actions/:id')
  async action(@Param('id') id: string): Promise<object> {
    const action = await this.rt.store.getAction(id);
    if (!action) throw new NotFoundException(`no action ${id}`);
    return { action, decisions: await this.rt.store.actionEvents({ action_id: id }) };
  }

  @Post('actions/:id/approve')
  @HttpCode(200)
  @UseGuards(BearerGuard)
  async approve(@Param('id') id: string, @Req() req: AuthedRequest, @Body() body: Json): Promise<{ action: ActionRow }> {
    return { action: await this.call(() => this.rt.remediation.approve(id, actor(req, body))) };
  }

  @Post('actions/:id/reject')
  @HttpCode(200)
  @UseGuards(BearerGuard)
  async reject(@Param('id') id: string, @Req() req: AuthedRequest, @Body() body: Json): Promise<{ action: ActionRow }> {
    return { action: await this.call(() => this.rt.remediation.reject(id, actor(req, body), str(body, 'reason') ?? '')) };
  }

  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof IncidentError) {
        if (e.status === 404) throw new NotFoundException(e.message);
        if (e.status === 409) throw new ConflictException(e.message);
        throw new BadRequestException(e.message);
      }
      throw e;
    }
  }
}

/** The token's name, with the caller's own `by` after it when given (the token vouches, `by` says who). */
function actor(req: AuthedRequest, body: Json): string {
  const by = str(body, 'by');
  const token = req[ACTOR] ?? 'unknown';
  return by ? `${by.slice(0, 128)} (token ${token})` : `token ${token}`;
}

function str(body: Json, key: string): string | undefined {
  const v = body?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BadRequestException(`${key} must be a string`);
  return v;
}

function time(v: unknown, name: string): number {
  const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t) || t < 0) throw new BadRequestException(`${name} must be an ISO time or epoch milliseconds`);
  return t;
}
