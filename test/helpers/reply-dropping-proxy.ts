// A TCP proxy on loopback in front of a real server that can lose one reply on purpose: the request
// reaches the server (and takes effect), the connection then breaks before the client hears back.
// That is the one failure a retrying client cannot tell from "never arrived".

import { createServer, connect, type Server, type Socket } from 'node:net';

export interface ReplyDroppingProxy {
  port: number;
  url: string;
  /** The next request whose bytes contain `marker` is delivered, and its reply is lost. */
  dropReplyTo(marker: string): void;
  /** How many replies were lost so far. */
  dropped(): number;
  close(): Promise<void>;
}

export async function startReplyDroppingProxy(target: { host: string; port: number }): Promise<ReplyDroppingProxy> {
  let armed: string | null = null;
  let droppedCount = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let loseNextReply = false;
    const breakBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (armed !== null && chunk.includes(armed)) {
        armed = null;
        loseNextReply = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (loseNextReply) {
        droppedCount += 1;
        breakBoth();
        return;
      }
      client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', breakBoth);
      socket.on('close', () => {
        sockets.delete(socket);
        breakBoth();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dropReplyTo(marker) {
      armed = marker;
    },
    dropped: () => droppedCount,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
