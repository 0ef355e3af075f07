import { Module } from '@nestjs/common';
import { RECO_CONFIG, recoConfigFromEnv, type RecoServiceConfig } from './options.js';
import { RecoConsumer } from './reco.consumer.js';
import { RecoController } from './reco.controller.js';
import { watchModel } from './reco.metrics.js';
import { RecoService } from './reco.service.js';

/** The recommender service: Kafka consumer, HTTP top-K, metrics; the logic is RecoService. */
@Module({
  controllers: [RecoController],
  providers: [
    { provide: RECO_CONFIG, useFactory: () => recoConfigFromEnv() },
    {
      provide: RecoService,
      inject: [RECO_CONFIG],
      useFactory: (config: RecoServiceConfig) => {
        const service = new RecoService({ k: config.replyK, recommender: config.recommender });
        watchModel(service);
        return service;
      },
    },
    RecoConsumer,
  ],
  exports: [RecoService],
})
export class RecoModule {}
