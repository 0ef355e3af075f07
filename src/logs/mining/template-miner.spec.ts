import { describe, expect, it } from 'vitest';
import { TemplateMiner } from './template-miner.js';
import type { MinerSnapshot } from './types.js';

describe('TemplateMiner', () => {
  it('groups lines that differ in values and generalises the template', () => {
    const miner = new TemplateMiner();
    const a = miner.add('Received block blk_123 of size 67108864 from node7');
    const b = miner.add('Received block blk_456 of size 1024 from node9');
    expect(a.change).toBe('created');
    expect(b.templateId).toBe(a.templateId);
    // A word with digits in it ("node9") is a value as a whole.
    expect(b.template).toBe('Received block blk_<*> of size <*> from <*>');
    expect(b.parameters).toEqual(['blk_456', '1024', 'node9']);
  });

  it('keeps lines with different words or lengths apart', () => {
    const miner = new TemplateMiner();
    const open = miner.add('Connection opened to db primary');
    const closed = miner.add('Transaction committed on db primary');
    const longer = miner.add('Connection opened to db primary again now');
    expect(new Set([open.templateId, closed.templateId, longer.templateId]).size).toBe(3);
  });

  it('turns a word position into a variable once it has held more than the limit of words', () => {
    const miner = new TemplateMiner({ wordValueLimit: 2 });
    const users = ['alice', 'bob', 'carol', 'dave'];
    const events = users.map((u) => miner.add(`session opened for user ${u} by sshd`));
    expect(new Set(events.map((e) => e.templateId)).size).toBe(1);
    // alice and bob were still few: distinct events when they arrived.
    expect(events[0]!.eventKey).not.toBe(events[1]!.eventKey);
    // After the stream, the position is a variable: every line lands in one event.
    const final = users.map((u) => miner.classify(`session opened for user ${u} by sshd`)!.eventKey);
    expect(new Set(final).size).toBe(1);
    expect(miner.classify('session opened for user zed by sshd')!.event).toBe('session opened for user <*> by sshd');
  });

  it('takes few words that also fill the slot of another message for names (users), not event words', () => {
    const miner = new TemplateMiner();
    for (const u of ['cyrus', 'news', 'test']) {
      for (let i = 0; i < 3; i++) {
        miner.add(`session opened for user ${u} by (uid=${i})`);
        miner.add(`session closed for user ${u}`);
        miner.add(`job ${i} Transitioned from NEW to RUNNING`);
        miner.add(`task ${i} Transitioned from NEW to SCHEDULED`);
      }
    }
    const closed = ['cyrus', 'news', 'test'].map((u) => miner.classify(`session closed for user ${u}`)!.eventKey);
    expect(new Set(closed).size).toBe(1);
    const opened = ['cyrus', 'news', 'test'].map((u) => miner.classify(`session opened for user ${u} by (uid=0)`)!.eventKey);
    expect(new Set(opened).size).toBe(1);
    // Upper-case words shared by messages are enumerated states: still words of the event.
    const scheduled = miner.classify('task 9 Transitioned from NEW to SCHEDULED')!;
    expect(scheduled.event).toBe('task <*> Transitioned from NEW to SCHEDULED');
  });

  it('keeps a key apart from another key at the same position, whatever their values', () => {
    const miner = new TemplateMiner();
    for (let i = 0; i < 4; i++) miner.add(`session opened for user u${i} by (uid=${i})`);
    miner.add('session opened for user root by LOGIN(uid=0)');
    const plain = miner.classify('session opened for user u7 by (uid=7)')!;
    const login = miner.classify('session opened for user u8 by LOGIN(uid=8)')!;
    expect(login.eventKey).not.toBe(plain.eventKey);
    expect(login.event).toBe('session opened for user <*> by LOGIN(uid=<*>)');
    // Eight or more hex letters are a value even without a digit: one event for every mask.
    const m = new TemplateMiner();
    m.add('setSystemUiVisibility vis=0 mask=ffffffff oldVal=508');
    m.add('setSystemUiVisibility vis=40000500 mask=1 oldVal=508');
    expect(m.classify('setSystemUiVisibility vis=0 mask=ffffffff oldVal=5')!.eventKey).toBe(m.classify('setSystemUiVisibility vis=0 mask=7 oldVal=5')!.eventKey);
  });

  it('takes a few device names (letters and one digit) for words, more of them for a variable', () => {
    const miner = new TemplateMiner();
    for (let i = 0; i < 3; i++) {
      miner.add(`node node-${i} has detected an available network connection via interface ee0`);
      miner.add(`node node-${i + 10} has detected an available network connection via interface alt0`);
    }
    const ee = miner.classify('node node-99 has detected an available network connection via interface ee0')!;
    const alt = miner.classify('node node-98 has detected an available network connection via interface alt0')!;
    expect(ee.eventKey).not.toBe(alt.eventKey);
    for (const d of ['eth0', 'eth1', 'eth2', 'eth3', 'eth4']) miner.add(`link up on ${d} now`);
    expect(miner.classify('link up on eth0 now')!.eventKey).toBe(miner.classify('link up on eth4 now')!.eventKey);
  });

  it('keeps a marker standing for a missing reading apart from the readings, but not a word among values', () => {
    const miner = new TemplateMiner();
    miner.add('Fan speeds ( 3552 3534 3375 4245 3515 3479 )');
    miner.add('Fan speeds ( 3552 3534 3375 **** 3515 3479 )');
    miner.add('Fan speeds ( 3551 3533 3374 4244 3514 3478 )');
    const missing = miner.classify('Fan speeds ( 3550 3530 3370 **** 3510 3470 )')!;
    const full = miner.classify('Fan speeds ( 3550 3530 3370 4240 3510 3470 )')!;
    expect(missing.eventKey).not.toBe(full.eventKey);
    expect(miner.classify('Fan speeds ( 1 2 3 4 5 6 )')!.eventKey).toBe(full.eventKey);
    // A word among values is a value (a user name among numeric ids).
    const m = new TemplateMiner();
    m.add('Failed none for invalid user 0 from 1.2.3.4 port 22 ssh2');
    m.add('Failed none for invalid user admin from 1.2.3.4 port 23 ssh2');
    expect(m.classify('Failed none for invalid user admin from 1.2.3.5 port 24 ssh2')!.eventKey).toBe(m.classify('Failed none for invalid user 7 from 1.2.3.5 port 24 ssh2')!.eventKey);
  });

  it('takes words in quotes or brackets, and qualified words, for words', () => {
    const miner = new TemplateMiner();
    for (let i = 0; i < 3; i++) {
      miner.add(`Location icon should now be in state 'Active' after ${i} s`);
      miner.add(`Location icon should now be in state 'Inactive' after ${i} s`);
      miner.add(`AirPort_Brcm43xx::platformWoWEnable: WWEN[enable] at ${i}`);
      miner.add(`AirPort_Brcm43xx::platformWoWEnable: WWEN[disable] at ${i}`);
    }
    expect(miner.classify("Location icon should now be in state 'Active' after 9 s")!.eventKey).not.toBe(
      miner.classify("Location icon should now be in state 'Inactive' after 9 s")!.eventKey,
    );
    expect(miner.classify('AirPort_Brcm43xx::platformWoWEnable: WWEN[enable] at 9')!.eventKey).not.toBe(
      miner.classify('AirPort_Brcm43xx::platformWoWEnable: WWEN[disable] at 9')!.eventKey,
    );
  });

  it('keeps few-valued word positions as separate events ("VM Started" / "VM Paused")', () => {
    const miner = new TemplateMiner();
    for (let i = 0; i < 5; i++) {
      miner.add(`[instance: 1${i}] VM Started (Lifecycle Event)`);
      miner.add(`[instance: 2${i}] VM Paused (Lifecycle Event)`);
    }
    const started = miner.classify('[instance: 99] VM Started (Lifecycle Event)')!;
    const paused = miner.classify('[instance: 98] VM Paused (Lifecycle Event)')!;
    expect(started.templateId).toBe(paused.templateId);
    expect(started.eventKey).not.toBe(paused.eventKey);
    expect(started.event).toBe('[instance: <*> VM Started (Lifecycle Event)');
  });

  it('takes a unit that changes with its value as part of the value, not as an event word', () => {
    const miner = new TemplateMiner();
    miner.add('Block rdd_1 stored in memory (estimated size 5.2 KB, free 310.4 KB)');
    miner.add('Block rdd_2 stored in memory (estimated size 93.0 B, free 317.1 KB)');
    const kb = miner.classify('Block rdd_3 stored in memory (estimated size 8.8 KB, free 14.0 KB)')!;
    const b = miner.classify('Block rdd_4 stored in memory (estimated size 384.0 B, free 317.5 KB)')!;
    expect(b.eventKey).toBe(kb.eventKey);
    expect(kb.event).toBe('Block rdd_<*> stored in memory (estimated size <*> <*> free <*> KB)');
  });

  it('joins the branches a leading name splits the tree into, when the rest of the line agrees', () => {
    const miner = new TemplateMiner();
    const tail = 'scheduler_evaluate_activity told me to run this job; however, but the start time is not for 2450 seconds. Ignoring.';
    const a = miner.add(`com.apple.icloud.heartbeat: ${tail}`);
    const b = miner.add(`com.apple.Safari.Update: ${tail}`);
    expect(b.templateId).not.toBe(a.templateId);
    expect(b.eventKey).toBe(a.eventKey);
    expect(miner.classify(`com.apple.CacheDelete.daily: ${tail}`)!.eventKey).toBe(a.eventKey);
    // A short line is mostly its name: the name is part of the event.
    const c = miner.add('autopurge.purgeInterval set to 0');
    const d = miner.add('autopurge.snapRetainCount set to 3');
    expect(d.eventKey).not.toBe(c.eventKey);
    // Plain words in front are words of the message, not names.
    const e = miner.add(`Started ${tail}`);
    const f = miner.add(`Stopped ${tail}`);
    expect(f.eventKey).not.toBe(e.eventKey);
  });

  it('joins an event whose values take more tokens (sizes, units) across lengths', () => {
    const miner = new TemplateMiner();
    const a = miner.add('host:80 close, 0 bytes sent, 0 bytes received, lifetime 00:01');
    const b = miner.add('host:80 close, 1190 bytes (1.16 KB) sent, 815 bytes received, lifetime <1 sec');
    expect(b.templateId).not.toBe(a.templateId);
    expect(b.eventKey).toBe(a.eventKey);
    // But an extra word that is not a unit keeps messages apart.
    const c = miner.add('Failed password for root from 1.2.3.4 port 22 ssh2');
    const d = miner.add('Failed password for invalid user admin from 1.2.3.5 port 23 ssh2');
    expect(d.eventKey).not.toBe(c.eventKey);
  });

  it('bounds memory by evicting the least recently used template', () => {
    const miner = new TemplateMiner({ maxClusters: 2 });
    const a = miner.add('alpha happened');
    miner.add('beta thing happened here');
    miner.add('alpha happened'); // alpha is now more recent than beta
    miner.add('gamma went very badly wrong');
    expect(miner.size).toBe(2);
    expect(miner.evictions).toBe(1);
    expect(miner.get(a.templateId)).toBeDefined();
    expect(miner.list().map((t) => t.tokens.join(' '))).toEqual(['alpha happened', 'gamma went very badly wrong']);
    // Ids are never reused after an eviction.
    expect(miner.add('beta thing happened here').templateId).toBe(4);
  });

  it('bounds the tree: beyond maxChildren new leading words share the wildcard branch', () => {
    const miner = new TemplateMiner({ maxChildren: 3 });
    for (const w of ['one', 'two', 'three', 'four', 'five']) miner.add(`${w} thing done`);
    expect(miner.size).toBeLessThanOrEqual(5);
    expect(miner.classify('five thing done')).toBeDefined();
  });

  it('round-trips through JSON: same ids, revisions, events and further learning', () => {
    const miner = new TemplateMiner();
    const lines = ['job 1 started on node-a', 'job 2 started on node-b', 'disk sda full', 'job 3 finished in 5 s', 'VM Paused now', 'VM Started now'];
    for (const l of lines) miner.add(l);
    const json = JSON.stringify(miner.toJSON());
    const restored = TemplateMiner.fromJSON(JSON.parse(json) as MinerSnapshot);
    expect(restored.toJSON()).toEqual(miner.toJSON());
    for (const l of lines) expect(restored.classify(l)).toEqual(miner.classify(l));
    expect(restored.add('job 4 started on node-c').templateId).toBe(miner.add('job 4 started on node-c').templateId);
    expect(restored.add('brand new message').templateId).toBe(miner.add('brand new message').templateId);
  });

  it('refuses snapshots it does not understand', () => {
    expect(() => TemplateMiner.fromJSON({ format: 'other' } as unknown as MinerSnapshot)).toThrow(/not a vigil/);
    const future = { format: 'vigil.log-templates', version: 2, nextId: 1, templates: [] } as unknown as MinerSnapshot;
    expect(() => TemplateMiner.fromJSON(future)).toThrow(/version 2/);
  });

  it('validates options', () => {
    expect(() => new TemplateMiner({ depth: 2 })).toThrow(/depth/);
    expect(() => new TemplateMiner({ similarityThreshold: 0 })).toThrow(/similarityThreshold/);
  });
});
