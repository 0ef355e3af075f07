import { Controller, Get, Header } from '@nestjs/common';
import { registry } from '../metrics/registry.js';

@Controller()
export class MetricsController {
  @Get('metrics')
  @Header('Content-Type', registry.contentType)
  metrics(): Promise<string> {
    return registry.metrics();
  }
}
