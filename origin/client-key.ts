// Who is asking, for counting plays once per client: the remote address of the connection
// (@hono/node-server passes the Node request as `c.env.incoming`). Authenticated routes pass
// the listener id instead.

export function remoteClientKey(env: unknown): string {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}
