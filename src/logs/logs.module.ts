import { Module } from '@nestjs/common';
import { LogsConsumer } from './logs.consumer.js';

/** Log anomaly detection on the event backbone: telemetry.logs in, aiops.anomalies (source logs) out. */
@Module({ providers: [LogsConsumer] })
export class LogsModule {}
