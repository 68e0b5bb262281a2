import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { HttpRequestSample } from './metrics.ts';
import { redactPath, requestLog } from './request-log.ts';

const TOKEN = 'k1.1767225600.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ';

interface Line {
  level: 'debug' | 'info' | 'warn' | 'error';
  object: Record<string, unknown>;
  message: string | undefined;
}

function fakeLogger() {
  const lines: Line[] = [];
  const at = (level: Line['level']) => (object: object, message?: string) => lines.push({ level, object: object as Record<string, unknown>, message });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

function setup() {
  const { lines, logger } = fakeLogger();
  const samples: HttpRequestSample[] = [];
  let clock = 0;
  const app = new Hono();
  app.use(requestLog({ logger, metrics: { recordRequest: (s) => samples.push(s) }, now: () => clock }));
  app.get('/media/:token/:isrc/:version/*', (c) => {
    clock += 12.5;
    return c.body(new Uint8Array(100), 206, { 'Content-Length': '100', 'Content-Range': 'bytes 0-99/1000' });
  });
  app.get('/v1/tracks/:isrc', (c) => c.json({ error: 'unknown track' }, 404));
  app.onError((_error, c) => c.text('internal error', 500));
  app.get('/explode', () => {
    throw new Error('kaboom');
  });
  return { app, lines, samples };
}

describe('requestLog', () => {
  it('logs one line per request with the token redacted, route pattern, bytes and range', async () => {
    const { app, lines, samples } = setup();
    const response = await app.request(`/media/${TOKEN}/GBAYE2600001/v1/aac-160.mp4`, { headers: { Range: 'bytes=0-99' } });
    expect(response.status).toBe(206);

    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line!.level).toBe('info');
    expect(line!.object).toEqual({
      method: 'GET',
      route: '/media/:token/:isrc/:version/*',
      path: '/media/<token>/GBAYE2600001/v1/aac-160.mp4',
      status: 206,
      bytes: 100,
      durationMs: 12.5,
      range: 'bytes=0-99',
    });
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    expect(samples).toEqual([{ route: '/media/:token/:isrc/:version/*', method: 'GET', status: 206, bytes: 100, seconds: 0.0125 }]);
  });

  it('logs 4xx at info and 5xx at error with the cause', async () => {
    const { app, lines } = setup();
    await app.request('/v1/tracks/XX0000000000');
    await app.request('/explode');
    expect(lines.map((l) => [l.level, l.object.route, l.object.status])).toEqual([
      ['info', '/v1/tracks/:isrc', 404],
      ['error', '/explode', 500],
    ]);
    expect((lines[1]!.object.err as Error).message).toBe('kaboom');
    expect(lines[0]!.object).not.toHaveProperty('range');
    expect(lines[0]!.object).not.toHaveProperty('cache');
  });

  it('below the logger level builds no line but still records the metrics; 5xx still reach error', async () => {
    const { lines, logger } = fakeLogger();
    const samples: HttpRequestSample[] = [];
    const app = new Hono();
    app.use(requestLog({ logger: { ...logger, isLevelEnabled: (level) => level === 'error' }, metrics: { recordRequest: (s) => samples.push(s) } }));
    app.get('/ok', (c) => c.text('ok'));
    app.get('/explode', () => {
      throw new Error('kaboom');
    });
    await app.request('/ok');
    await app.request('/explode');
    expect(lines.map((l) => [l.level, l.object.status])).toEqual([['error', 500]]);
    expect(samples.map((s) => s.status)).toEqual([200, 500]);
  });

  it('labels requests no route matched as unmatched and still redacts the path', async () => {
    const { app, lines, samples } = setup();
    await app.request(`/media/${TOKEN}`);
    expect(lines[0]!.object).toMatchObject({ route: 'unmatched', path: '/media/<token>', status: 404 });
    expect(samples[0]!.route).toBe('unmatched');
  });

  it('counts no body bytes for HEAD', async () => {
    const { app, samples } = setup();
    await app.request(`/media/${TOKEN}/GBAYE2600001/v1/aac-160.mp4`, { method: 'HEAD' });
    expect(samples[0]).toMatchObject({ method: 'HEAD', bytes: 0 });
  });

  it('uses the routeOf the app gives it', async () => {
    const { lines, logger } = fakeLogger();
    const app = new Hono();
    app.use(requestLog({ logger, metrics: { recordRequest() {} }, routeOf: () => 'custom' }));
    app.get('/x', (c) => c.text('x'));
    await app.request('/x');
    expect(lines[0]!.object.route).toBe('custom');
  });
});

describe('redactPath', () => {
  it('replaces only the media token segment', () => {
    expect(redactPath(`/media/${TOKEN}/GBAYE2600001/v1/master.m3u8`)).toBe('/media/<token>/GBAYE2600001/v1/master.m3u8');
    expect(redactPath('/v1/tracks/GBAYE2600001/playback')).toBe('/v1/tracks/GBAYE2600001/playback');
    expect(redactPath('/healthz')).toBe('/healthz');
  });
});
