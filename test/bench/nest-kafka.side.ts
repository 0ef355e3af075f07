import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import kafkajs from 'kafkajs';
import type { Measured } from './consumer.bench.js';

export interface NestKafkaSettings {
  fetchBytes: number;
  maxBytes: number;
  concurrency: number;
}

/**
 * The consumer a Nest user would write without Vigil: a microservice on Nest's own Kafka
 * transport (`ServerKafka`: kafkajs `eachMessage`, auto-commit, Nest's parser turning the value
 * into JSON and the headers into strings) with an `@EventPattern` handler that validates each
 * value against the topic's schema. Same fetch sizes and partition concurrency as the others.
 */
export async function nestKafkaRun(
  brokers: string,
  topic: string,
  total: number,
  validate: (value: unknown) => boolean,
  s: NestKafkaSettings,
): Promise<Measured> {
  let seen = 0;
  let invalid = 0;
  let first = 0;
  let cpu = process.cpuUsage();
  let resolveDone: (t: number) => void = () => {};
  const done = new Promise<number>((r) => (resolveDone = r));

  // Declared per run: the pattern is this run's topic.
  @Controller()
  class RecordsController {
    @EventPattern(topic)
    onRecord(value: unknown): void {
      if (first === 0) {
        first = performance.now();
        cpu = process.cpuUsage();
      }
      if (!validate(value)) invalid++;
      if (++seen >= total) resolveDone(performance.now());
    }
  }
  @Module({ controllers: [RecordsController] })
  class BenchModule {}

  const app = await NestFactory.createMicroservice<MicroserviceOptions>(BenchModule, {
    logger: false,
    transport: Transport.KAFKA,
    options: {
      client: { clientId: 'bench-nest', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING },
      consumer: { groupId: `nest-${Date.now()}`, maxBytesPerPartition: s.fetchBytes, maxBytes: s.maxBytes },
      subscribe: { fromBeginning: true },
      run: { partitionsConsumedConcurrently: s.concurrency },
    },
  });
  await app.listen();
  const end = await done;
  const used = process.cpuUsage(cpu);
  await app.close();
  if (invalid > 0) throw new Error(`nest side: ${invalid} of ${total} records failed validation`);
  return { rate: (total / (end - first)) * 1000, cpuMicrosPerRecord: (used.user + used.system) / total };
}
