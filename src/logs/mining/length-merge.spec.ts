import { describe, expect, it } from 'vitest';
import { sameEventAcrossLengths } from './length-merge.js';

const t = (s: string) => s.split(' ');

describe('sameEventAcrossLengths', () => {
  it('joins an optional value with at most one word, and a unit after a value', () => {
    expect(sameEventAcrossLengths(t('<*> close, <*> bytes sent, lifetime <*>'), t('<*> close, <*> bytes (<*>.<*> KB) sent, lifetime <*>'))).toBe(true);
    expect(sameEventAcrossLengths(t('<*> close, <*> bytes sent, lifetime <*>'), t('<*> close, <*> bytes sent, lifetime <<*> sec'))).toBe(true);
  });

  it('keeps apart lines whose extra tokens are words', () => {
    expect(sameEventAcrossLengths(t('Failed password for root from <IP> port <*>'), t('Failed password for invalid user <*> from <IP> port <*>'))).toBe(false);
    expect(sameEventAcrossLengths(t('auth failure ruser= rhost=<*>'), t('auth failure ruser= rhost=<*> user=root'))).toBe(false);
  });

  it('does not take a bare template wildcard for a value: it may stand for merged words', () => {
    expect(sameEventAcrossLengths(t('auth failure ruser= rhost=<*> <*>'), t('auth failure ruser= rhost=<*>'))).toBe(false);
  });

  it('needs the same length to be someone else’s job, and some shared words', () => {
    expect(sameEventAcrossLengths(t('a b <*>'), t('a b <*>'))).toBe(false);
    expect(sameEventAcrossLengths(t('<*> <*>'), t('<*> <*> <*>'))).toBe(false);
  });
});
