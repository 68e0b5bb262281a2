// Runs the origin app on @hono/node-server.

import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface RunningServer {
  /** `http://host:port`, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

// Oversized request headers are refused by Node with 431 before any handler runs.
const MAX_HEADER_BYTES = 16 * 1024;

/** What `serve` needs: a fetch handler that also takes @hono/node-server's env (a Hono app fits). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FetchHandler = (request: Request, env: any) => Response | Promise<Response>;

export function listen(origin: { fetch: FetchHandler }, options: { port: number; host: string }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: origin.fetch, port: options.port, hostname: options.host, serverOptions: { maxHeaderSize: MAX_HEADER_BYTES } }, (info: AddressInfo) => {
      const host = info.address.includes(':') ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    server.once('error', reject);
  });
}
