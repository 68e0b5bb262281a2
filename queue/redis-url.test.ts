import { describe, expect, it } from 'vitest';
import { parseRedisUrl } from './redis-url.ts';

describe('parseRedisUrl', () => {
  it('reads host, port and database', () => {
    expect(parseRedisUrl('redis://queue:6379')).toMatchObject({ host: 'queue', port: 6379, db: 0, display: 'redis://queue:6379/0' });
    expect(parseRedisUrl('redis://127.0.0.1:7000/3')).toMatchObject({ host: '127.0.0.1', port: 7000, db: 3 });
    expect(parseRedisUrl('rediss://h:6380')).toMatchObject({ tls: true, display: 'rediss://h:6380/0' });
    expect(parseRedisUrl('redis://u:s%40cret@h:1/2')).toMatchObject({ username: 'u', password: 's@cret', display: 'redis://h:1/2' });
  });

  it.each([
    ['queue:6379', 'unsupported scheme'],
    ['http://queue:6379', 'unsupported scheme "http:"'],
    ['redis://queue', 'no port'],
    ['redis://queue:6379/x', 'not a database number'],
    ['redis://queue:6379/0?tls=1', 'no query'],
    ['nonsense', 'not a URL'],
  ])('refuses %s with a reason', (value, why) => {
    expect(() => parseRedisUrl(value)).toThrow(why);
    try {
      parseRedisUrl(value);
    } catch (error) {
      expect((error as { code: string }).code).toBe('BAD_INPUT');
      expect((error as Error).message).toContain('CADENCE_QUEUE');
    }
  });

  it('never repeats a password in its message', () => {
    expect(() => parseRedisUrl('redis://u:hunter2@queue')).toThrow(/u:\*\*\*@queue/);
    expect(() => parseRedisUrl('redis://u:hunter2@queue')).not.toThrow(/hunter2/);
  });
});
