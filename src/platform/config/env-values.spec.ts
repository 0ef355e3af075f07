import { describe, expect, it } from 'vitest';
import { envBool, envChoice, envInt, envList, envNumber, envOnOff, envString } from './env-values.js';

describe('environment values', () => {
  it('blank means the default; errors name the variable', () => {
    expect(envNumber({ N: ' ' }, 'N', 5)).toBe(5);
    expect(envNumber({ N: '2.5' }, 'N', 5)).toBe(2.5);
    expect(() => envNumber({ N: '-1' }, 'N', 5)).toThrow('N must be a number >= 0, not "-1"');
    expect(envInt({ N: '3' }, 'N', 1, { min: 1 })).toBe(3);
    expect(() => envInt({ N: '0' }, 'N', 1, { min: 1 })).toThrow('N must be a whole number >= 1, not "0"');
    expect(() => envInt({ N: '1001' }, 'N', 1, { min: 1, max: 1000 })).toThrow('N must be a whole number from 1 to 1000');
    expect(() => envNumber({ P: '1' }, 'P', 0.5, { max: 1, exclusive: true, is: 'a fraction in (0, 1)' })).toThrow('P must be a fraction in (0, 1), not "1"');
    expect(envNumber({}, 'P', undefined)).toBeUndefined();
  });

  it('reads text, lists, choices and switches', () => {
    expect(envString({ S: ' x ' }, 'S', 'd')).toBe('x');
    expect(envString({ S: '' }, 'S', 'd')).toBe('d');
    expect(envString({ S: '' }, 'S', 'd', { emptyIsValue: true })).toBe('');
    expect(envString({}, 'S', 'd', { emptyIsValue: true })).toBe('d');
    expect(envString({ S: ' a+ ' }, 'S', '', { asWritten: true })).toBe(' a+ ');
    expect(envList({ L: 'a, b,,c ' }, 'L')).toEqual(['a', 'b', 'c']);
    expect(envList({ L: ' ' }, 'L')).toBeUndefined();
    expect(envChoice({ C: 'WARN' }, 'C', ['log', 'warn'], 'log', { anyCase: true })).toBe('warn');
    expect(() => envChoice({ C: 'x' }, 'C', ['a', 'b'], 'a')).toThrow('C must be a or b, not "x"');
    expect(() => envChoice({ C: 'x' }, 'C', ['a', 'b', 'c'], 'a')).toThrow('C must be one of a, b, c, not "x"');
    expect(envBool({ B: '0' }, 'B', true)).toBe(false);
    expect(() => envBool({ B: 'on' }, 'B', true)).toThrow('B must be true or false, not "on"');
    expect(envOnOff({ B: 'off' }, 'B', true)).toBe(false);
    expect(() => envOnOff({ B: 'true' }, 'B', true)).toThrow('B must be on or off, not "true"');
  });
});
