import { ROOT_CONTEXT } from '@opentelemetry/api';
import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import type { StagesService } from '../platform/app/stages.service.js';
import { derivedId } from '../platform/bus/message-id.js';
import type { InRecord } from '../platform/stage/types.js';
import { recoConfigFromEnv } from './options.js';
import { RecoConsumer } from './reco.consumer.js';
import { RecoController } from './reco.controller.js';
import { RecoService, type InteractionMessage } from './reco.service.js';

const config = { ...recoConfigFromEnv({}), learnChunk: 3 };
let offset = 0;
const rec = <T>(topic: string, value: T, timestamp = Date.now()): InRecord<T> => ({
  topic,
  partition: 0,
  offset: String(offset++),
  key: null,
  value,
  headers: {},
  timestamp,
  trace: ROOT_CONTEXT,
});
const interaction = (user: string, item: string, extra: Partial<InteractionMessage> = {}, timestamp?: number) =>
  rec<InteractionMessage>('reco.interactions', { user, item, timestamp: 1, ...extra }, timestamp);

function setup() {
  const service = new RecoService({ k: 5, recommender: config.recommender });
  const consumer = new RecoConsumer({} as StagesService, service, config);
  return { service, consumer, controller: new RecoController(service, config) };
}

describe('RecoConsumer', () => {
  it('learns a batch in order and replies to respond: true with the input-derived id, after that interaction', async () => {
    const { consumer, service } = setup();
    const batch = [
      interaction('a', 'x'),
      interaction('a', 'y'),
      interaction('b', 'x'),
      interaction('b', 'z'),
      interaction('c', 'y'),
      interaction('c', 'x', { respond: true }),
      interaction('c', 'z'),
    ];
    const out = await consumer.handle(batch);
    expect(out).toHaveLength(1);
    const reply = out[0]!;
    expect(reply.topic).toBe('reco.recommendations');
    expect(reply.key).toBe('c');
    expect(reply.id).toBe(derivedId(batch[5]!, 'recommendations'));
    expect(reply.source).toBe(batch[5]);
    const items = (reply.value as { items: { item: string }[] }).items.map((i) => i.item);
    // after y and x, only z is left to recommend; the later z in the batch is learned after the reply
    expect(items).toEqual(['z']);
    expect(service.recommender.stats().events).toBe(7);
    expect(service.recommend('c', 5).items).toEqual([]);
  });

  it('does not reply to an interaction appended long before the process started (replayed history)', async () => {
    const { consumer, service } = setup();
    const old = interaction('a', 'x', { respond: true }, consumer.startedAt - config.replyMaxAgeMs - 1);
    expect(await consumer.handle([old])).toEqual([]);
    expect(service.recommender.stats().events).toBe(1);
  });

  it('feeds aiops.remediations outcomes to the action ranking and emits nothing', async () => {
    const { consumer, service } = setup();
    const r = rec('aiops.remediations', { incident_id: 'i1', action_id: 'a1', action: 'restart', timestamp: 1, decision: 'verified' });
    expect(await consumer.handle([r])).toEqual([]);
    expect(service.rankActions({ fingerprint: 'incident:i1', labels: {} }).map((a) => a.action)).toContain('restart');
    const controller = new RecoController(service, config);
    const ranked = controller.actions('incident:i1', 'env=prod', undefined, 'restart,scale').actions;
    expect(ranked.map((a) => a.action).sort()).toEqual(['restart', 'scale']);
    expect(ranked[0]!.action).toBe('restart');
    expect(() => controller.actions(undefined)).toThrow('fingerprint is required');
    expect(() => controller.actions('f', 'novalue')).toThrow(BadRequestException);
  });
});

describe('RecoController', () => {
  it('validates k and answers with the source of each item', () => {
    const { controller, service } = setup();
    service.learn([
      { user: 'a', item: 'x', timestamp: 1 },
      { user: 'b', item: 'y', timestamp: 1 },
    ]);
    const r = controller.recommendations('a', '5');
    expect(r).toMatchObject({ user: 'a', k: 5, model_version: 'popularity', items: [{ item: 'y', source: 'popularity' }] });
    expect(controller.recommendations('new').k).toBe(10);
    for (const k of ['0', 'x', '1.5', '1001', ['1', '2']]) expect(() => controller.recommendations('a', k)).toThrow(BadRequestException);
    expect(() => controller.recommendations('a', 'x')).toThrow('k must be an integer from 1 to 1000, got "x"');
  });
});
