// Runs the origin on node:http (see node-listener.ts for how requests are split).

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OriginApp } from './app.ts';
import { createNodeListener, type NodeListenerOptions } from './node-listener.ts';

export interface RunningServer {
  /** `http://host:port`, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

// Oversized request headers are refused by Node with 431 before any handler runs.
const MAX_HEADER_BYTES = 16 * 1024;

export function listen(
  origin: Pick<OriginApp, 'fetch' | 'serveMedia'>,
  options: { port: number; host: string } & NodeListenerOptions,
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, createNodeListener(origin, options));
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const info = server.address() as AddressInfo;
      const host = info.address.includes(':') ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
