import type { Type } from '@nestjs/common';

/**
 * Every service Vigil can run, by name. Each is a NestJS module in its own folder under src/,
 * loaded only when asked for, so one process can run one service, several, or all of them.
 */
export const SERVICES: Record<string, () => Promise<Type>> = {
  demo: async () => (await import('../demo/demo.module.js')).DemoModule,
  detector: async () => (await import('../detector/detector.module.js')).DetectorModule,
  risk: async () => (await import('../risk/risk.module.js')).RiskModule,
  reco: async () => (await import('../reco/reco.module.js')).RecoModule,
  incidents: async () => (await import('../incidents/incidents.module.js')).IncidentsModule,
  remediation: async () => (await import('../remediation/remediation.module.js')).RemediationModule,
  ingest: async () => (await import('../ingest/ingest.module.js')).IngestModule,
  logs: async () => (await import('../logs/logs.module.js')).LogsModule,
  predictor: async () => (await import('../predictor/predictor.module.js')).PredictorModule,
};

/** Services `vigil start` runs when none are named (the demo only when the config asks for it). */
export function defaultServices(demo: boolean): string[] {
  return Object.keys(SERVICES).filter((s) => s !== 'demo' || demo);
}
