// Request headers without building a fetch `Headers` per request: @hono/node-server creates one
// lazily from the raw header list the first time `c.req.header()` is called, which costs more
// than answering a cached 64 KiB range. Node has already parsed them into a plain object.

import type { IncomingHttpHeaders } from 'node:http';
import type { Context } from 'hono';
import type { HeaderReader } from './http-range.ts';

/** What @hono/node-server passes as `c.env`: the raw Node request. */
export interface NodeBindings {
  incoming?: { url?: string; headers?: IncomingHttpHeaders; socket?: { remoteAddress?: string } };
}

/** A reader over Node's parsed request headers (names in lower case). */
export function nodeHeaderReader(parsed: IncomingHttpHeaders): HeaderReader {
  return {
    get(name) {
      const value = parsed[name];
      if (value === undefined) return null;
      // Repeated fields are joined as a fetch Headers would join them.
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** A hono context's request headers, from Node's parsed object when there is one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function requestHeaders(c: Context<any>): HeaderReader {
  const parsed = (c.env as NodeBindings | undefined)?.incoming?.headers;
  // Only touched when there is no Node request: reading `headers` is what builds the fetch Headers.
  return parsed ? nodeHeaderReader(parsed) : c.req.raw.headers;
}
