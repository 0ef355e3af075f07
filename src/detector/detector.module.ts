import { Module } from '@nestjs/common';
import { DetectorConsumer } from './detector.consumer.js';

/** The anomaly detector on the event backbone: telemetry.metrics + aiops.feedback in, aiops.anomalies out. */
@Module({ providers: [DetectorConsumer] })
export class DetectorModule {}
