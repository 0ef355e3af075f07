import { Module } from '@nestjs/common';
import { RiskConsumer } from './risk.consumer.js';

/** The fraud scorer on the event backbone: risk.transactions + risk.labels in, risk.scores out. */
@Module({ providers: [RiskConsumer] })
export class RiskModule {}
