// Runs the origin on node:http (see node-listener.ts for how requests are split).

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CadenceError } from '../errors/cadence-error.ts';
import type { OriginApp } from './app.ts';
import { createNodeListener, type NodeListenerOptions } from './node-listener.ts';
import type { HttpServerLimits } from './types.ts';

export interface RunningServer {
  /** `http://host:port`, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

// Oversized request headers are refused by Node with 431 before any handler runs.
const MAX_HEADER_BYTES = 16 * 1024;

/** Node's own defaults let a client take 60 s to send its headers; a CDN sends them at once. */
export const DEFAULT_HTTP_LIMITS: HttpServerLimits = {
  headersTimeoutSeconds: 15,
  requestTimeoutSeconds: 60,
  keepAliveTimeoutSeconds: 5,
  maxRequestsPerSocket: 1000,
};

export interface ListenOptions extends NodeListenerOptions {
  port: number;
  host: string;
  limits?: HttpServerLimits;
}

export function listen(origin: Pick<OriginApp, 'fetch' | 'serveMedia'>, options: ListenOptions): Promise<RunningServer> {
  const { port, host, limits = DEFAULT_HTTP_LIMITS } = options;
  return new Promise((resolve, reject) => {
    const server = createServer(
      {
        maxHeaderSize: MAX_HEADER_BYTES,
        headersTimeout: limits.headersTimeoutSeconds * 1000,
        requestTimeout: limits.requestTimeoutSeconds * 1000,
        keepAliveTimeout: limits.keepAliveTimeoutSeconds * 1000,
        // Node looks for overdue headers and requests only this often (30 s by default), which
        // would let a slow client hold its socket well past the timeout.
        connectionsCheckingInterval: Math.min(1000, (limits.headersTimeoutSeconds * 1000) / 2),
      },
      createNodeListener(origin, options),
    );
    server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
    server.once('error', (error) => reject(listenError(error as NodeJS.ErrnoException, host, port)));
    server.listen(port, host, () => {
      const info = server.address() as AddressInfo;
      resolve({
        url: `http://${hostPort(info.address, info.port)}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** What a user can act on, in one line, for the errors listening commonly meets. */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = hostPort(host, port);
  switch (error.code) {
    case 'EADDRINUSE':
      return new CadenceError('ADDRESS_IN_USE', `${where} is already in use (another process listens there; choose another --port)`, { cause: error });
    case 'EACCES':
      return new CadenceError('BAD_INPUT', `not allowed to listen on ${where} (ports below 1024 need privileges)`, { cause: error });
    case 'EADDRNOTAVAIL':
      return new CadenceError('BAD_INPUT', `cannot listen on ${where}: ${host} is not an address of this machine`, { cause: error });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CadenceError('BAD_INPUT', `cannot listen on ${where}: unknown host ${host}`, { cause: error });
    default:
      return error;
  }
}
