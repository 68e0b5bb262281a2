// What the listener routes share: the services (built at the edge from configuration), the hono
// environment that carries the authenticated listener, and the request's client address.

import type { Context } from 'hono';
import type { Listener, ListenerServices } from '../listeners/types.ts';
import type { NodeBindings } from './request-headers.ts';

export type { ListenerServices };

export type ListenerEnv = {
  Bindings: NodeBindings;
  /** Set by the authenticate middleware on routes that require (or accept) a listener. */
  Variables: { listener?: Listener };
};

/** The peer address of the connection (the CDN's, behind one). */
export function clientAddress(c: Context<ListenerEnv>): string | null {
  return c.env?.incoming?.socket?.remoteAddress ?? null;
}
