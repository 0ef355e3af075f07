import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { actor, BearerGuard, bodyString, type AuthedRequest, type Json } from '../platform/http/bearer.guard.js';
import { answering } from '../platform/http/refusal.js';
import { REMEDIATION_RUNTIME, type RemediationRuntime } from './remediation.runtime.js';
import type { ActionRow, ActionStatus } from './types.js';

/** The actions API: read actions and their decisions; approve or reject one (behind a bearer token). The logic is in RemediationService. */
@Controller()
export class RemediationController {
  constructor(@Inject(REMEDIATION_RUNTIME) private readonly rt: RemediationRuntime) {}

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
    return { action: await answering(() => this.rt.remediation.approve(id, actor(req, body))) };
  }

  @Post('actions/:id/reject')
  @HttpCode(200)
  @UseGuards(BearerGuard)
  async reject(@Param('id') id: string, @Req() req: AuthedRequest, @Body() body: Json): Promise<{ action: ActionRow }> {
    return { action: await answering(() => this.rt.remediation.reject(id, actor(req, body), bodyString(body, 'reason') ?? '')) };
  }
}
