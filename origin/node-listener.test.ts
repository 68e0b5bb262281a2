import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { MediaAnswer, MediaRequest } from './media-handler.ts';
import { listen, type RunningServer } from './server.ts';

// The listener writes media answers into Node's response itself: each kind of body (one buffer,
// pieces of cache blocks, a promise, a stream), HEAD, a body stream that fails half-way and a
// header Node refuses are checked over a real socket.

const BYTES = Buffer.from('0123456789'.repeat(1000));

/** One chunk, then nothing until the reader goes away (which `cancelled` reports). */
let cancelled: Promise<void> = Promise.resolve();
function stalledStream(): ReadableStream<Uint8Array> {
  let onCancel = (): void => {};
  cancelled = new Promise((resolve) => (onCancel = resolve));
  return new ReadableStream({
    start(controller) {
      controller.enqueue(BYTES.subarray(0, 4000));
    },
    pull: () => new Promise<void>(() => {}),
    cancel: () => onCancel(),
  });
}

function streamOf(chunks: Uint8Array[], failAfter?: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (failAfter !== undefined && sent === failAfter) return controller.error(new Error('storage went away'));
      const chunk = chunks[sent++];
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
}

const ANSWERS: Record<string, () => MediaAnswer | Promise<MediaAnswer>> = {
  '/media/memory': () => ({ status: 206, headers: { 'Content-Type': 'audio/mp4', 'Content-Length': '10', 'Content-Range': `bytes 0-9/${BYTES.length}` }, body: BYTES.subarray(0, 10), bodyBytes: 10 }),
  '/media/later': () => Promise.resolve({ status: 200, headers: { 'Content-Length': String(BYTES.length) }, body: BYTES, bodyBytes: BYTES.length }),
  '/media/pieces': () => ({ status: 200, headers: { 'Content-Length': String(BYTES.length) }, body: [BYTES.subarray(0, 3000), BYTES.subarray(3000, 3001), BYTES.subarray(3001)], bodyBytes: BYTES.length }),
  '/media/stream': () => ({ status: 200, headers: { 'Content-Length': String(BYTES.length) }, body: streamOf([BYTES.subarray(0, 4000), BYTES.subarray(4000)]), bodyBytes: BYTES.length }),
  '/media/broken-stream': () => ({ status: 200, headers: { 'Content-Length': String(BYTES.length) }, body: streamOf([BYTES.subarray(0, 4000), BYTES.subarray(4000)], 1), bodyBytes: BYTES.length }),
  '/media/stalled-stream': () => ({ status: 200, headers: { 'Content-Length': String(BYTES.length) }, body: stalledStream(), bodyBytes: BYTES.length }),
  '/media/empty': () => ({ status: 304, headers: { ETag: '"a"' }, body: null, bodyBytes: 0 }),
  '/media/bad-header': () => ({ status: 200, headers: { 'X-Bad': 'line\nbreak' }, body: null, bodyBytes: 0 }),
};

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(seen: MediaRequest[] = [], writeErrors: unknown[] = []): Promise<string> {
  server = await listen(
    {
      fetch: () => new Response('from hono', { status: 200, headers: { 'Content-Type': 'text/plain' } }),
      serveMedia: (request) => {
        seen.push(request);
        return (ANSWERS[request.rawPath] ?? ANSWERS['/media/empty']!)();
      },
    },
    { port: 0, host: '127.0.0.1', onWriteError: (error, requestId) => writeErrors.push({ error, requestId }) },
  );
  return server.url;
}

/** A raw request (the path goes out as written, a cut connection is seen as such). */
function get(url: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer; complete: boolean }> {
  const [, host, port, path] = /^http:\/\/([^:/]+):(\d+)(\/.*)$/.exec(url)!;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      const done = () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete });
      res.on('end', done);
      res.on('error', done);
      res.on('aborted', done);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('node:http listener', () => {
  it('writes in-memory, pieced, later and streamed bodies byte for byte', async () => {
    const url = await start();
    const memory = await get(`${url}/media/memory`);
    expect(memory.status).toBe(206);
    expect(memory.headers['content-range']).toBe(`bytes 0-9/${BYTES.length}`);
    expect(memory.body.equals(BYTES.subarray(0, 10))).toBe(true);
    for (const path of ['/media/pieces', '/media/later', '/media/stream']) {
      const whole = await get(`${url}${path}`);
      expect(whole.status).toBe(200);
      expect(whole.body.equals(BYTES)).toBe(true);
    }
  });

  it('passes the path as sent (no query, no decoding), the method and the headers', async () => {
    const seen: MediaRequest[] = [];
    const url = await start(seen);
    await get(`${url}/media/memory?token=x`, 'HEAD', { Range: 'bytes=0-9', 'If-Range': '"a"' });
    await get(`${url}/media/%2e%2e/x`);
    expect(seen.map((request) => [request.method, request.rawPath])).toEqual([
      ['HEAD', '/media/memory'],
      ['GET', '/media/%2e%2e/x'],
    ]);
    expect(seen[0]!.headers.get('range')).toBe('bytes=0-9');
    expect(seen[0]!.headers.get('if-range')).toBe('"a"');
    expect(seen[0]!.headers.get('if-none-match')).toBeNull();
  });

  it('sends HEAD and 304 answers without a body', async () => {
    const url = await start();
    const head = await get(`${url}/media/later`, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(BYTES.length));
    expect(head.body.length).toBe(0);
    const notModified = await get(`${url}/media/empty`);
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
  });

  it('cuts the connection when a body stream fails after the headers, and reports it', async () => {
    const writeErrors: unknown[] = [];
    const url = await start([], writeErrors);
    const cut = await get(`${url}/media/broken-stream`);
    expect(cut.status).toBe(200);
    expect(cut.complete).toBe(false);
    expect(cut.body.length).toBeLessThan(BYTES.length);
    expect(writeErrors).toHaveLength(1);
  });

  it('does not report a client that hangs up mid-body as a write error', async () => {
    const writeErrors: unknown[] = [];
    const url = await start([], writeErrors);
    const [, host, port] = /^http:\/\/([^:/]+):(\d+)$/.exec(url)!;
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host, port, path: '/media/stalled-stream', agent: false }, (res) => res.once('data', () => req.destroy()));
      req.on('close', resolve);
      req.on('error', (error) => (req.destroyed ? resolve() : reject(error)));
      req.end();
    });
    await cancelled;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(writeErrors).toEqual([]);
    expect((await get(`${url}/media/memory`)).status).toBe(206);
  });

  it('answers 500 when Node refuses the headers, and keeps serving', async () => {
    const writeErrors: unknown[] = [];
    const url = await start([], writeErrors);
    const refused = await get(`${url}/media/bad-header`);
    expect(refused.status).toBe(500);
    const body = JSON.parse(refused.body.toString('utf8')) as { requestId: string };
    expect(body).toEqual({ error: 'internal', message: 'internal error', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    // The id the client got is the one handed to the log.
    expect(writeErrors).toEqual([{ error: expect.any(Error), requestId: body.requestId }]);
    expect((await get(`${url}/media/memory`)).status).toBe(206);
  });

  it('hands every other path to the hono adapter', async () => {
    const url = await start();
    const api = await get(`${url}/v1/anything`);
    expect(api.status).toBe(200);
    expect(api.body.toString('utf8')).toBe('from hono');
  });
});
