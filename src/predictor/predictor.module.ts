import { Module } from '@nestjs/common';
import { PredictorConsumer } from './predictor.consumer.js';

/** The failure predictor on the event backbone: telemetry.metrics in, aiops.predictions out. */
@Module({ providers: [PredictorConsumer] })
export class PredictorModule {}
