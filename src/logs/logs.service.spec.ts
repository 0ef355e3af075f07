import { ROOT_CONTEXT } from '@opentelemetry/api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadLoghub } from './eval/loghub-dataset.js';
import { contentOf } from './eval/loghub-formats.js';
import { initBackend } from '../platform/ml/backend.js';
import type { Emit, InRecord } from '../platform/stage/types.js';
import { LogsService } from './logs.service.js';
import { loadLogsOptions } from './options.js';
import { LstmStore } from './store/lstm-store.js';
import { TemplateStore } from './store/template-store.js';
import type { LogAnomalyEvent, LogRecordValue } from './types.js';
import { dataSet } from '../../test/support/data.js';

let offset = 0;
function record(value: LogRecordValue): InRecord<unknown> {
  return { topic: 'telemetry.logs', partition: 0, offset: String(offset++), key: value.entity, value, headers: {}, timestamp: value.timestamp, trace: ROOT_CONTEXT };
}

/** One request of a small web service: the same four steps, with addresses, users and ids that must be masked. */
function request(i: number, t0: number, entity = 'web-1'): LogRecordValue[] {
  const ip = `10.0.${i % 7}.${(i * 13) % 250}`;
  const miss = i % 5 === 0;
  const lines = [
    `GET /api/orders/${100000 + i} from ${ip} user user${i % 9}@shop.example 200`,
    miss ? `cache miss for order ${100000 + i}` : `cache hit for order ${100000 + i}`,
    `db query took ${3 + (i % 11)} ms rows ${i % 4}`,
    `response sent ${200 + i} bytes to ${ip}`,
  ];
  return lines.map((message, k) => ({ entity, timestamp: t0 + k * 10, message, attributes: { request_id: `req-${i}` } }));
}

const emitted = (emits: Emit[]) => emits.map((e) => e.value as LogAnomalyEvent);

describe('LogsService', () => {
  const services: LogsService[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    await initBackend(() => {});
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  function service(env: Record<string, string>): LogsService {
    const s = new LogsService(loadLogsOptions({ LOGS_TEMPLATE_DIR: '', LOGS_LSTM_UNITS: '16', LOGS_LSTM_EPOCHS: '15', LOGS_COUNTS: 'off', ...env }));
    services.push(s);
    return s;
  }

  it('entity stream: silent during cold start, trains, then names an unknown template and leaks no address', async () => {
    const s = service({ LOGS_LSTM_COLD_START_LINES: '400', LOGS_LSTM_CHUNK_LINES: '40' });
    let t = 1_700_000_000_000;
    const cold: Emit[] = [];
    for (let i = 0; i < 99; i++, t += 1000) cold.push(...(await s.handle(request(i, t).map(record))));
    // 396 lines: below the cold start, nothing is trained and nothing scored.
    expect(s.sequences.ready).toBe(false);
    expect(s.sequences.trainings).toBe(0);
    for (let i = 99; i < 120; i++, t += 1000) cold.push(...(await s.handle(request(i, t).map(record))));
    expect(cold).toEqual([]);
    await s.sequences.whenTrained();
    expect(s.sequences.ready).toBe(true);
    expect(s.sequences.version).toBe(1);

    const normal: Emit[] = [];
    for (let i = 120; i < 160; i++, t += 1000) normal.push(...(await s.handle(request(i, t).map(record))));
    expect(emitted(normal)).toEqual([]);

    const odd = [
      ...request(160, t),
      { entity: 'web-1', timestamp: t + 50, message: 'FATAL disk /dev/sdb1 read error, remounting read-only; operator alice.ops@shop.example paged from 192.168.77.5' },
    ];
    const found = emitted(await s.handle(odd.map(record)));
    expect(found).toHaveLength(1);
    const f = found[0]!;
    expect(f).toMatchObject({ source: 'logs', kind: 'log_sequence', scorer: 'deeplog-lstm', entity: 'web-1', model_version: 'deeplog-v1' });
    expect(f.labels.reason).toBe('unknown_template');
    expect(f.score).toBeGreaterThanOrEqual(f.threshold);
    expect(f.templates[0]).toMatchObject({ role: 'unexpected' });
    expect(f.templates[0]!.template).toContain('FATAL disk');
    expect(f.templates[0]!.example).toMatch(/operator <EMAIL> paged from <IP>$/);
    expect(f.templates.some((x) => x.role === 'history' && x.template.startsWith('response sent'))).toBe(true);
    const text = JSON.stringify(found);
    for (const secret of ['192.168.77.5', 'alice.ops@shop.example', '10.0.', '@shop.example']) expect(text).not.toContain(secret);
  });

  // Five templates only: g = 2 (HDFS's g = 9 would accept anything among so few); or a floor.
  it.each<{ rule: string; env: Record<string, string>; labels: Record<string, string> }>([
    { rule: 'top-g', env: { LOGS_LSTM_RULE: 'top-g', LOGS_LSTM_TOP_G: '2' }, labels: { top_g: '2' } },
    { rule: 'probability', env: { LOGS_LSTM_RULE: 'probability', LOGS_LSTM_MIN_PROBABILITY: '0.01' }, labels: { min_probability: '0.01' } },
  ])('sessions by attribute ($rule rule): a request that skips its steps is flagged once, with its id published only when masking leaves it alone', async ({ env, labels }) => {
    const s = service({ LOGS_SESSION_ATTRIBUTE: 'request_id', LOGS_SESSION_IDLE_MS: '5000', LOGS_LSTM_COLD_START_LINES: '300', ...env });
    let t = 1_700_000_000_000;
    for (let i = 0; i < 100; i++, t += 1000) expect(emitted(await s.handle(request(i, t).map(record))).map((e) => [e.labels, e.templates])).toEqual([]);
    await s.sequences.whenTrained();
    expect(s.sequences.ready).toBe(true);
    // The request answers before it asked the cache or the database, then repeats itself.
    const lines = request(500, t);
    const skipped = [lines[0]!, lines[3]!, lines[3]!, lines[3]!].map((l, k) => ({ ...l, timestamp: t + k * 10 }));
    const found = emitted(await s.handle(skipped.map(record)));
    expect(found).toHaveLength(1);
    expect(found[0]!.labels).toMatchObject({ reason: 'unlikely_next', session: 'req-500', ...labels });
    expect(found[0]!.score).toBeGreaterThan(found[0]!.threshold);
    if (labels.min_probability) expect(found[0]!.threshold).toBeCloseTo(0.99, 10);
    expect(found[0]!.templates[0]!.template).toMatch(/^response sent/);
    // Well-formed requests afterwards are not flagged.
    const after: Emit[] = [];
    for (let i = 501; i < 520; i++, t += 1000) after.push(...(await s.handle(request(i, t + 1000).map(record))));
    expect(emitted(after).map((e) => [e.labels, e.templates.map((x) => x.template)])).toEqual([]);
    expect(s.publicSessionId('10.1.2.3')).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it('sessions: two templates never seen in one training request flag it as an unseen pair, naming both; LOGS_KEY_PAIRS=off keeps quiet', async () => {
    // g = 9 over five templates: the LSTM accepts every known step, so only the invariant can flag.
    const run = async (keyPairs: string) => {
      const s = service({ LOGS_SESSION_ATTRIBUTE: 'request_id', LOGS_SESSION_IDLE_MS: '5000', LOGS_LSTM_COLD_START_LINES: '300', LOGS_LSTM_TOP_G: '9', LOGS_KEY_PAIRS: keyPairs });
      let t = 1_700_000_000_000;
      const normal: Emit[] = [];
      for (let i = 1; i < 100; i++, t += 1000) normal.push(...(await s.handle(request(i, t).map(record))));
      await s.sequences.whenTrained();
      // A request that both hit and missed the cache: each step is common, the two together never.
      const [get, , db, sent] = request(501, t);
      const missed = request(500, t)[1]!;
      const mixed = [get!, missed, { ...missed, message: 'cache hit for order 100501' }, db!, sent!].map((l, k) => ({ ...l, attributes: { request_id: 'req-mixed' }, timestamp: t + k * 10 }));
      const found = emitted(await s.handle(mixed.map(record)));
      for (let i = 600; i < 620; i++, t += 1000) normal.push(...(await s.handle(request(i, t + 1000).map(record))));
      return { normal: emitted(normal), found };
    };
    const on = await run('on');
    expect(on.normal).toEqual([]);
    expect(on.found.map((f) => [f.labels.reason, f.score, f.templates.slice(0, 2).map((x) => [x.role, x.template])])).toEqual([
      ['unseen_pair', 1, [['unexpected', 'cache hit for order <*>'], ['paired', 'cache miss for order <*>']]],
    ]);
    const off = await run('off');
    expect([...off.normal, ...off.found]).toEqual([]);
  });

  it('template-count windows: a burst of one template is scored by the detector and names it', async () => {
    const s = service({ LOGS_COUNT_WINDOW_MS: '1000', LOGS_COUNT_WARMUP_WINDOWS: '100', LOGS_LSTM_COLD_START_LINES: '1000000', LOGS_COUNTS: 'on' });
    let t = 1_700_000_000_000;
    const quiet: Emit[] = [];
    // Three to four requests a second for 400 seconds.
    for (let sec = 0; sec < 400; sec++) {
      const batch: LogRecordValue[] = [];
      for (let r = 0; r < 3 + (sec % 2); r++) batch.push(...request(sec * 4 + r, t + sec * 1000 + r * 100));
      quiet.push(...(await s.handle(batch.map(record))));
    }
    expect(quiet.length).toBeLessThanOrEqual(2);
    const burst: LogRecordValue[] = [];
    const at = t + 400 * 1000;
    for (let r = 0; r < 3; r++) burst.push(...request(5000 + r, at + r * 100));
    for (let k = 0; k < 60; k++) burst.push({ entity: 'web-1', timestamp: at + 500 + k, message: `cache miss for order ${200000 + k}` });
    burst.push(...request(6000, at + 1500));
    const found = emitted(await s.handle(burst.map(record))).filter((e) => e.kind === 'log_counts');
    expect(found).toHaveLength(1);
    expect(found[0]!.templates[0]!.template).toMatch(/^cache miss for order/);
    expect(found[0]!.score).toBeGreaterThanOrEqual(found[0]!.threshold);
  });

  it('reloads templates saved by an earlier process, same ids and version', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-logs-'));
    dirs.push(dir);
    const a = service({ LOGS_TEMPLATE_DIR: dir, LOGS_TEMPLATE_SAVE_MS: '0' });
    await a.loadTemplates(new TemplateStore(dir));
    await a.handle(request(1, 1_700_000_000_000).map(record));
    await a.handle(request(2, 1_700_000_001_000).map(record));
    await a.close();
    const version = a.miner.version;
    const b = service({ LOGS_TEMPLATE_DIR: dir });
    expect(await b.loadTemplates(new TemplateStore(dir))).toBe(version);
    expect(b.miner.miner.list()).toEqual(a.miner.miner.list());
  });
  it('takes odd but valid records in its stride: empty and huge messages, epoch 0 and far-future times, any unicode', async () => {
    const s = service({ LOGS_COUNTS: 'on', LOGS_LSTM_COLD_START_LINES: '5' });
    const odd: LogRecordValue[] = [
      { entity: 'odd', timestamp: 0, message: '' },
      { entity: 'odd', timestamp: 8_640_000_000_000_000, message: ' \t ' },
      { entity: 'odd', timestamp: 1, message: 'x'.repeat(65_536) },
      { entity: 'odd', timestamp: 2, message: '💥 ошибка 错误 \u0000 <*> $1 $& (?:' },
      { entity: 'odd', timestamp: 3, message: 'a b c', attributes: { request_id: null }, session: 's' },
    ];
    for (let round = 0; round < 3; round++) await expect(s.handle(odd.map(record))).resolves.toBeInstanceOf(Array);
    await s.sequences.whenTrained();
    await expect(s.handle(odd.map(record))).resolves.toBeInstanceOf(Array);
  });
  it('stores the LSTM after its training; a new service scores from its first line with the same verdicts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-logs-'));
    dirs.push(dir);
    const env = { LOGS_TEMPLATE_DIR: dir, LOGS_LSTM_COLD_START_LINES: '400', LOGS_LSTM_CHUNK_LINES: '40', LOGS_TEMPLATE_SAVE_MS: '0' };
    const a = service(env);
    await a.loadTemplates(new TemplateStore(dir));
    expect(await a.loadModel(new LstmStore(dir))).toBeUndefined();
    let t = 1_700_000_000_000;
    for (let i = 0; i < 120; i++, t += 1000) await a.handle(request(i, t).map(record));
    await a.sequences.whenTrained();
    const steps = [{ history: ['1', '2', '3'], next: '4' }, { history: [], next: '1' }];
    const before = (await a.sequences.current!.scoreSteps(steps)).map((x) => x.probability);
    await a.close();
    expect(a.sequences.version).toBe(1);

    const b = service(env);
    await b.loadTemplates(new TemplateStore(dir));
    expect(await b.loadModel(new LstmStore(dir))).toBe(1);
    expect(b.sequences.ready).toBe(true);
    // The template pairs come back with the weights.
    expect(b.sequences.currentPairs?.toJSON()).toEqual(a.sequences.currentPairs?.toJSON());
    expect(b.sequences.currentPairs?.size).toBeGreaterThan(0);
    const odd = { entity: 'web-1', timestamp: t, message: 'kernel panic: not syncing on 10.9.9.9' };
    const found = emitted(await b.handle([...request(200, t), odd].map(record)));
    expect(found.map((f) => [f.model_version, f.labels.reason, f.templates[0]!.template])).toEqual([['deeplog-v1', 'unknown_template', 'kernel panic: not syncing on <*>']]);
    // Same weights: the restored model gives the stored one's probabilities.
    const after = (await b.sequences.current!.scoreSteps(steps)).map((x) => x.probability);
    after.forEach((p, i) => expect(p).toBeCloseTo(before[i]!, 6));
  });
  it('real HDFS lines, sessions by a block-id regex: block ids and addresses never leave, session labels are hashed', async () => {
    const [hdfs] = loadLoghub(dataSet('logs/loghub-2k'), ['HDFS']);
    const s = service({ LOGS_SESSION_REGEX: '(blk_-?\\d+)', LOGS_SESSION_IDLE_MS: '600000', LOGS_LSTM_COLD_START_LINES: '300', LOGS_LSTM_TOP_G: '3' });
    const lines = hdfs!.lines.map((l, i) => ({ entity: 'hdfs-datanode', timestamp: 1_700_000_000_000 + i * 1000, message: contentOf('HDFS', l) }));
    const found: LogAnomalyEvent[] = [];
    for (let i = 0; i < lines.length; i += 100) {
      found.push(...emitted(await s.handle(lines.slice(i, i + 100).map(record))));
      if (i === 1000) await s.sequences.whenTrained();
    }
    expect(s.sequences.ready).toBe(true);
    expect(s.sequences.openSequences).toBeGreaterThan(100);
    expect(found.length).toBeGreaterThan(0);
    const text = JSON.stringify(found);
    for (const m of lines.flatMap((l) => [...l.message.matchAll(/blk_-?\d+|\d+\.\d+\.\d+\.\d+/g)].map((x) => x[0]))) expect(text).not.toContain(m);
    for (const f of found) expect(f.labels.session).toMatch(/^sha256:[0-9a-f]{16}$/);
  });
});
