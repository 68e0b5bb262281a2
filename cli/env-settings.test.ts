import { describe, expect, it } from 'vitest';
import { isCadenceError } from '../errors/cadence-error.ts';
import { EnvSettings, readSettings, SettingRefused } from './env-settings.ts';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isCadenceError(error) && error.code).toBe('BAD_CONFIG');
    return (error as Error).message;
  }
  return 'accepted';
}

describe('EnvSettings', () => {
  it('gives the default only for an unset or empty variable', () => {
    const read = new EnvSettings({ EMPTY: '', BLANK: '  ' });
    expect(read.number('UNSET', 7, { min: 0, max: 10 })).toBe(7);
    expect(read.number('EMPTY', 7, { min: 0, max: 10 })).toBe(7);
    expect(read.number('BLANK', 7, { min: 0, max: 10 })).toBe(7);
    read.done();
  });

  it('takes 0 as 0, not as "unset"', () => {
    expect(readSettings({ SKEW: '0' }, (read) => read.number('SKEW', 30, { min: 0, max: 3600 }))).toBe(0);
  });

  it('refuses a value that is not a number or out of range, naming the variable and what it accepts', () => {
    for (const value of ['abc', '12abc', '0x10', '1e3', 'Infinity', '-1', '3601', '1.5']) {
      expect(refusal(() => readSettings({ SKEW: value }, (read) => read.number('SKEW', 30, { min: 0, max: 3600, unit: 'seconds' })))).toBe(
        `SKEW=${JSON.stringify(value)}: expected a whole number of seconds from 0 to 3600`,
      );
    }
    expect(readSettings({ RATIO: ' 2.5 ' }, (read) => read.number('RATIO', 1, { min: 0, max: 3, integer: false }))).toBe(2.5);
  });

  it('reports every refused setting at once', () => {
    const message = refusal(() =>
      readSettings({ A: 'x', B: 'loud', C: '5' }, (read) => [
        read.number('A', 1, { min: 0, max: 9 }),
        read.choice('B', ['info', 'warn'], 'warn'),
        read.number('C', 1, { min: 0, max: 9 }),
      ]),
    );
    expect(message).toBe('2 settings refused\n  A="x": expected a whole number from 0 to 9\n  B="loud": expected one of info, warn');
  });

  it('never echoes a secret value', () => {
    const message = refusal(() =>
      readSettings({ KEYS: 'hunter2-but-long-enough' }, (read) =>
        read.custom('KEYS', null, () => {
          throw new SettingRefused('kid:secret pairs');
        }, { secret: true }),
      ),
    );
    expect(message).toBe('KEYS: expected kid:secret pairs');
  });
});
