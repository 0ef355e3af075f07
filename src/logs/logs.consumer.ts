import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { StagesService } from '../platform/app/stages.service.js';
import { initBackend } from '../platform/ml/backend.js';
import { LogsService } from './logs.service.js';
import { loadLogsOptions } from './options.js';
import { LstmStore } from './store/lstm-store.js';
import { TemplateStore } from './store/template-store.js';
import type { LogAnomalyEvent } from './types.js';

/**
 * Kafka in: consumes telemetry.logs as the group `<prefix>-logs` and appends findings to
 * aiops.anomalies before committing. Templates are reloaded from LOGS_TEMPLATE_DIR at start and
 * saved there as they change; the sequence and count models start cold in each process.
 */
@Injectable()
export class LogsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Logs');
  service: LogsService | undefined;

  constructor(@Inject(StagesService) private readonly stages: StagesService) {}

  async onApplicationBootstrap(): Promise<void> {
    const options = loadLogsOptions();
    await initBackend((msg) => this.logger.log(msg));
    const service = (this.service = new LogsService(options, (line) => this.logger.log(line)));
    if (options.templateDir) {
      const version = await service.loadTemplates(new TemplateStore(options.templateDir));
      this.logger.log(
        version === undefined
          ? `template store ${options.templateDir}: empty, mining from scratch`
          : `template store ${options.templateDir}: version ${version}, ${service.miner.size} template(s) loaded`,
      );
      const lstm = await service.loadModel(new LstmStore(options.templateDir)).catch((err: Error) => {
        // A model that cannot be read is relearned; the templates it predicted are still here.
        this.logger.warn(`model store ${options.templateDir}: LSTM not loaded (${err.message}); starting cold`);
        return undefined;
      });
      if (lstm !== undefined) this.logger.log(`model store ${options.templateDir}: LSTM v${lstm} loaded, scoring from the first line`);
    }
    const s = options.sequence;
    this.logger.log(
      `masking: ${options.maskPatterns.length} patterns (${options.maskingSource}); sequences by ${describeSession(options)}; LSTM after ${s.coldStartLines} lines, ${s.rule === 'top-g' ? `top-${s.topG}` : `p < ${s.minProbability}`} rule${s.keyPairs ? ' and key pairs' : ''}; count windows ${options.counts.enabled ? `${options.counts.windowMs} ms` : 'off'}`,
    );
    await this.stages.start({
      service: 'logs',
      topics: [options.topics.logs],
      handle: async (records) => {
        const emits = await service.handle(records);
        for (const e of emits) this.logger.warn(describeFinding(e.value as LogAnomalyEvent));
        return emits;
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.service?.close();
  }
}

function describeSession(o: ReturnType<typeof loadLogsOptions>): string {
  const ways = [o.session.attribute && `attribute ${o.session.attribute}`, o.session.regex && `regex ${o.session.regex.source}`, o.session.useSessionField && 'session field'].filter(Boolean);
  return `${ways.join(', ') || 'entity only'}, else entity`;
}

/** `log_sequence demo-host: score 1.00 >= 0.97 (deeplog-v1, unknown_template) template 42 "Disk <*> failed"` */
export function describeFinding(a: LogAnomalyEvent): string {
  const t = a.templates[0];
  return `${a.kind} ${a.entity}: score ${a.score.toFixed(2)} >= ${a.threshold.toFixed(2)} (${a.model_version}${a.labels.reason ? `, ${a.labels.reason}` : ''})${t ? ` template ${t.id} "${t.template}"` : ''}`;
}
