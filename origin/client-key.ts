// Who is asking, for counting plays once per client: the remote address of the connection
// (@hono/node-server passes the Node request as `c.env.incoming`). Authenticated routes pass
// the listener id instead.

import { ANONYMOUS_LISTENER } from '../listeners/types.ts';

export function remoteClientKey(env: unknown): string {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

/** A listener counts once per window; the shared anonymous listener (CADENCE_AUTH=none) by address. */
export function playClient(listenerId: string, env: unknown): string {
  return listenerId === ANONYMOUS_LISTENER ? remoteClientKey(env) : `listener:${listenerId}`;
}
