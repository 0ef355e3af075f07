import { Controller, Get, HttpCode, HttpException, HttpStatus } from '@nestjs/common';
import { StagesService } from '../app/stages.service.js';

/** Liveness says the process serves requests; readiness that every consumer is running. */
@Controller('health')
export class HealthController {
  constructor(private readonly stages: StagesService) {}

  @Get('live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(): { status: 'ready' } {
    const problems = this.stages.problems();
    if (problems.length > 0) throw new HttpException({ status: 'not_ready', problems }, HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'ready' };
  }
}
