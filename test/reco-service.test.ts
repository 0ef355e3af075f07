import { freePorts } from '../src/platform/kafka/local-broker.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivedId } from '../src/platform/bus/message-id.js';
import type { Bus } from '../src/platform/bus/types.js';
import { DLQ_HEADERS } from '../src/platform/stage/dead-letter.js';
import { readInteractions } from '../src/reco/evaluation/read-interactions.js';
import { dataSet } from './support/data.js';
import { brokers, kafkaBus } from './support/kafka.js';
import { readAll } from './support/read-all.js';
import { until } from './support/until.js';
import { VigilProcess } from './support/vigil-process.js';

// A free port, not a fixed one: CI and a developer's run may share the machine.
const [PORT] = await freePorts(1);
const URL = `http://127.0.0.1:${PORT}`;
const SLICE = 8000;

interface Reply {
  user: string;
  k: number;
  model_version: string;
  items: { item: string; score: number; source: string }[];
}

const get = async (path: string) => fetch(`${URL}${path}`);
const recommend = async (user: string, k = 10): Promise<Reply> => (await (await get(`/recommendations/${encodeURIComponent(user)}?k=${k}`)).json()) as Reply;
const metric = (text: string, line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

/**
 * `vigil start reco` as its own process on the real broker: a slice of MovieLens-100k goes in as
 * interactions, recommendations come out over HTTP and on reco.recommendations.
 */
describe('reco service on a real broker', () => {
  // Users and items of this run only: reco.interactions may hold other runs' records.
  const run = Date.now().toString(36);
  const u = (id: string) => `${run}-u${id}`;
  const it_ = (id: string) => `${run}-i${id}`;
  let bus: Bus;
  let vigil: VigilProcess;
  const held = new Map<string, Set<string>>();

  beforeAll(async () => {
    bus = kafkaBus();
    await bus.connect();
    vigil = new VigilProcess(['start', 'reco', '--port', String(PORT)], { KAFKA_BROKERS: brokers(), VIGIL_GROUP_PREFIX: `reco-test-${run}` });
    await vigil.until(async () => (await get('/health/ready').catch(() => undefined))?.ok === true, 60_000, 'readiness');
    const events = (await readInteractions(dataSet('movielens-100k/u.data'))).slice(0, SLICE);
    for (const e of events) {
      const set = held.get(u(e.user)) ?? new Set<string>();
      set.add(it_(e.item));
      held.set(u(e.user), set);
    }
    const before = (await (await get('/reco/stats')).json()) as { events: number };
    await bus.send(
      events.map((e) => ({
        topic: 'reco.interactions',
        key: u(e.user),
        value: JSON.stringify({ user: u(e.user), item: it_(e.item), timestamp: e.timestamp * 1000, type: 'rating' }),
      })),
    );
    await until(async () => ((await (await get('/reco/stats')).json()) as { events: number }).events >= before.events + SLICE, 30_000, 'the slice to be learned');
    // The first item model is fitted in the background once 5,000 events are in.
    // On its worker thread at a low priority, it waits for CPU when the machine is busy.
    await until(async () => ((await (await get('/reco/stats')).json()) as { modelVersion: string }).modelVersion !== 'popularity', 120_000, 'the first fit');
  }, 240_000);

  afterAll(async () => {
    const code = await vigil?.stop();
    await bus?.disconnect();
    // Nest re-raises the signal once its shutdown hooks are done: exit by SIGTERM, after the consumer stopped.
    expect(code === 0 || vigil.child.signalCode === 'SIGTERM').toBe(true);
    expect(vigil.output).toMatch(/stopping 1 consumers on SIGTERM/);
  });

  it('serves top-K over HTTP from the item model, excluding what the user already has', async () => {
    const user = u('196');
    const r = await recommend(user, 10);
    expect(r.user).toBe(user);
    expect(r.model_version).toMatch(/^ease-\d+$/);
    expect(r.items).toHaveLength(10);
    expect(r.items.every((x) => x.source === 'model')).toBe(true);
    expect(r.items.filter((x) => held.get(user)!.has(x.item))).toEqual([]);
    const scores = r.items.map((x) => x.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // an unknown user gets the popular items
    const fresh = await recommend(u('nobody'), 5);
    expect(fresh.items).toHaveLength(5);
    expect(fresh.items.every((x) => x.source === 'popularity')).toBe(true);
  });

  it('answers a bad k with 400 and says what is wrong', async () => {
    for (const k of ['abc', '0', '-3', '1.5', '100000']) {
      const res = await get(`/recommendations/${u('196')}?k=${k}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(/^k must be an integer from 1 to 1000, got "/);
    }
    expect((await get(`/recommendations/${u('196')}`)).status).toBe(200);
  });

  // How soon it changes is measured by the reco bench (append to changed recommendation), not asserted here.
  it("changes a user's recommendations after a new interaction, and excludes the new item", async () => {
    const user = u('22');
    const before = await recommend(user, 10);
    const item = before.items[0]!.item;
    await bus.send([{ topic: 'reco.interactions', key: user, value: JSON.stringify({ user, item, timestamp: Date.now(), type: 'click' }) }]);
    let after = before;
    await vigil.until(async () => {
      after = await recommend(user, 10);
      return JSON.stringify(after.items) !== JSON.stringify(before.items);
    }, 30_000, 'the recommendations to change');
    expect(after.items.map((x) => x.item)).not.toContain(item);
    expect(after.items).toHaveLength(10);
  });

  it('publishes reco.recommendations for an interaction with respond: true, reflecting it, with an id derived from the input', async () => {
    const user = u('186');
    const item = (await recommend(user, 1)).items[0]!.item;
    await bus.send([{ topic: 'reco.interactions', key: user, value: JSON.stringify({ user, item, timestamp: Date.now(), respond: true }) }]);
    let mine: { id: string; user: string; timestamp: number; model_version: string; items: { item: string; score: number }[] }[] = [];
    await until(async () => {
      const all = await readAll(bus, 'reco.recommendations', 1, 60_000);
      mine = all.map((r) => JSON.parse(r.value!.toString())).filter((v) => v.user === user);
      return mine.length > 0;
    }, 30_000, 'a reco.recommendations record');
    expect(mine).toHaveLength(1);
    const reply = mine[0]!;
    expect(reply.items).toHaveLength(10);
    expect(reply.items.map((x) => x.item)).not.toContain(item);
    expect(reply.model_version).toMatch(/^ease-\d+$/);
    // the id is derivedId(input, 'recommendations'): find the input's offset and check
    const ends = await bus.endOffsets('reco.interactions');
    const inputs = (await readAll(bus, 'reco.interactions', Number(ends.reduce((n, e) => n + Number(e.offset), 0)), 60_000)).filter(
      (r) => r.key?.toString() === user && r.value?.toString().includes('"respond":true'),
    );
    expect(inputs).toHaveLength(1);
    expect(reply.id).toBe(derivedId(inputs[0]!, 'recommendations'));
  });

  it('dead-letters bad interactions to reco.interactions.dlq and goes on', async () => {
    const key = u('bad');
    await bus.send([
      { topic: 'reco.interactions', key, value: '{not json' },
      { topic: 'reco.interactions', key, value: JSON.stringify({ user: key, timestamp: 1 }) },
      { topic: 'reco.interactions', key, value: JSON.stringify({ user: key, item: 'x', timestamp: 1, weight: -1 }) },
      { topic: 'reco.interactions', key, value: JSON.stringify({ user: key, item: it_('50'), timestamp: Date.now() }) },
    ]);
    let dlq: Awaited<ReturnType<typeof readAll>> = [];
    await until(async () => {
      dlq = (await readAll(bus, 'reco.interactions.dlq', 3, 60_000)).filter((r) => r.key?.toString() === key);
      return dlq.length >= 3;
    }, 30_000, 'three dead letters');
    expect(dlq.map((r) => r.headers[DLQ_HEADERS.reason])).toEqual(['invalid_json', 'schema', 'schema']);
    expect(dlq[1]!.headers[DLQ_HEADERS.error]).toMatch(/item/);
    expect(dlq.every((r) => r.headers[DLQ_HEADERS.service] === 'reco')).toBe(true);
    // the good record after them was learned: the user exists and has it excluded
    await until(async () => !(await recommend(key, 50)).items.some((x) => x.item === it_('50')), 5000, 'the good record');
    const text = await (await get('/metrics')).text();
    expect(metric(text, 'vigil_records_dead_lettered_total{service="reco",topic="reco.interactions",reason="schema"}')).toBe(2);
    expect(metric(text, 'vigil_reco_requests_total{code="400"}')).toBe(5);
    expect(metric(text, 'vigil_reco_update_delay_seconds_count')).toBeGreaterThan(SLICE);
    expect(metric(text, 'vigil_reco_replies_total{outcome="published"}')).toBe(1);
  });

  it('ranks remediation actions from aiops.remediations outcomes over HTTP', async () => {
    const incident = `${run}-inc`;
    const outcome = (action: string, attempt: string, decision: string) => ({
      topic: 'aiops.remediations',
      key: incident,
      value: JSON.stringify({ id: `${attempt}-${decision}`, incident_id: incident, action_id: attempt, action, timestamp: Date.now(), decision }),
    });
    await bus.send([outcome('restart', 'a1', 'failed'), outcome('scale', 'a2', 'delivered'), outcome('scale', 'a2', 'verified'), outcome('noop', 'a3', 'planned')]);
    let ranked: { action: string }[] = [];
    await until(async () => {
      const res = await get(`/reco/actions?fingerprint=incident:${incident}&candidates=restart,scale,rollback`);
      ranked = ((await res.json()) as { actions: { action: string }[] }).actions;
      return ranked[0]?.action === 'scale';
    }, 15_000, 'the outcomes to be ranked');
    expect(ranked.map((a) => a.action)).toEqual(['scale', 'rollback', 'restart']);
    expect((await get('/reco/actions')).status).toBe(400);
  });
});
