import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isCadenceError } from '../errors/cadence-error.ts';
import { DEFAULT_HTTP_LIMITS, listen, type RunningServer } from './server.ts';
import type { HttpServerLimits } from './types.ts';

// The bounds node:http is given, checked over real sockets: a client that trickles its headers
// (slowloris) or idles on a keep-alive connection is cut off; a taken port is one clear error.

const origin = {
  fetch: () => new Response('ok', { status: 200, headers: { 'Content-Type': 'text/plain' } }),
  serveMedia: () => ({ status: 404, headers: {}, body: null, bodyBytes: 0 }),
};

const servers: RunningServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(limits?: Partial<HttpServerLimits>, port = 0): Promise<{ host: string; port: number }> {
  const server = await listen(origin, { port, host: '127.0.0.1', limits: limits && { ...DEFAULT_HTTP_LIMITS, ...limits } });
  servers.push(server);
  const url = new URL(server.url);
  return { host: url.hostname, port: Number(url.port) };
}

function open(address: { host: string; port: number }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(address.port, address.host, () => resolve(socket));
    socket.once('error', reject);
    sockets.push(socket);
  });
}

/** Milliseconds until the server closes the socket, or null if it is still open after `limitMs`. */
function closedWithin(socket: Socket, limitMs: number): Promise<number | null> {
  const started = performance.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), limitMs);
    socket.on('data', () => {});
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });
}

describe('origin HTTP limits', () => {
  it('by default gives a client at most 20 s for its headers and bounds keep-alive', () => {
    expect(DEFAULT_HTTP_LIMITS.headersTimeoutSeconds).toBeGreaterThan(0);
    expect(DEFAULT_HTTP_LIMITS.headersTimeoutSeconds).toBeLessThanOrEqual(20);
    expect(DEFAULT_HTTP_LIMITS.requestTimeoutSeconds).toBeGreaterThanOrEqual(DEFAULT_HTTP_LIMITS.headersTimeoutSeconds);
    expect(DEFAULT_HTTP_LIMITS.keepAliveTimeoutSeconds).toBeGreaterThan(0);
  });

  it('closes a connection whose headers trickle in slower than the headers timeout (slowloris)', async () => {
    const socket = await open(await start({ headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 }));
    socket.write('GET /healthz HTTP/1.1\r\nHost: origin\r\n');
    // One more header line every 200 ms keeps the socket busy but never finishes the headers.
    const drip = setInterval(() => socket.writable && socket.write(`X-Drip-${Date.now()}: 1\r\n`), 200);
    try {
      const ms = await closedWithin(socket, 4000);
      expect(ms).not.toBeNull();
      expect(ms!).toBeLessThan(3000);
    } finally {
      clearInterval(drip);
    }
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const socket = await open(await start({ keepAliveTimeoutSeconds: 1 }));
    socket.write('GET /healthz HTTP/1.1\r\nHost: origin\r\n\r\n');
    const ms = await closedWithin(socket, 4000);
    expect(ms).not.toBeNull();
    expect(ms!).toBeGreaterThan(800);
  });

  it('ends a connection after maxRequestsPerSocket requests', async () => {
    const socket = await open(await start({ maxRequestsPerSocket: 2 }));
    let answers = '';
    socket.on('data', (chunk: Buffer) => (answers += chunk.toString('latin1')));
    socket.write('GET /a HTTP/1.1\r\nHost: origin\r\n\r\nGET /b HTTP/1.1\r\nHost: origin\r\n\r\n');
    await closedWithin(socket, 3000);
    const heads = answers.split('HTTP/1.1 ').slice(1);
    expect(heads).toHaveLength(2);
    expect(heads[1]).toMatch(/\r\nConnection: close\r\n/i);
  });

  it('refuses a port in use with ADDRESS_IN_USE naming host and port', async () => {
    const taken = await start();
    const error = await start(undefined, taken.port).then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(isCadenceError(error) && error.code).toBe('ADDRESS_IN_USE');
    expect((error as Error).message).toMatch(new RegExp(`^127\\.0\\.0\\.1:${taken.port} is already in use`));
  });
});
