import { Module } from '@nestjs/common';
import { DemoProducer } from './demo.producer.js';
import { DemoTap } from './demo.consumer.js';

/** The built-in demo stream and a flow log, on by default when no broker is configured. */
@Module({ providers: [DemoProducer, DemoTap] })
export class DemoModule {}
