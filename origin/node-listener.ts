// The origin on node:http. Media requests (the CDN's ranges and segments, the hot path) are
// answered straight from Node's request into Node's response; everything else goes through
// @hono/node-server's adapter to the hono app. Skipping the fetch-style Request and Response for
// media took a cached 64 KiB range from ~104 to ~88 µs of CPU in a side-by-side harness.

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { getRequestListener } from '@hono/node-server';
import type { OriginApp } from './app.ts';
import { internalErrorAnswer } from './json-answer.ts';
import { CORS, MEDIA_PREFIX, type MediaAnswer } from './media-handler.ts';
import { pathOfTarget } from './media-path.ts';
import { nodeHeaderReader } from './request-headers.ts';

export interface NodeListenerOptions {
  /**
   * An answer that could not be written (a body stream that failed half-way, say); `requestId`
   * is the one the client was given when a 500 could still be sent.
   */
  onWriteError?: (error: unknown, requestId?: string) => void;
}

export function createNodeListener(origin: Pick<OriginApp, 'fetch' | 'serveMedia'>, { onWriteError }: NodeListenerOptions = {}): RequestListener {
  const api = getRequestListener(origin.fetch);
  // Both defined once: a closure made per request costs more than it looks under tsx (__name).
  const failed = (res: ServerResponse, error: unknown): void => {
    // A client (or CDN) that hangs up mid-body is routine, not a failure of ours.
    const routine = isClientGone(error);
    // Past the headers nothing can be said to the client but a cut connection.
    if (res.headersSent) {
      if (!routine) onWriteError?.(error);
      return void res.destroy();
    }
    const answer = internalErrorAnswer(CORS);
    if (!routine) onWriteError?.(error, answer.requestId);
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  };
  const deliver = (res: ServerResponse, answer: MediaAnswer): void => {
    try {
      send(res, answer)?.catch((error: unknown) => failed(res, error));
    } catch (error) {
      failed(res, error);
    }
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    const target = req.url ?? '/';
    if (!target.startsWith(MEDIA_PREFIX)) return void api(req, res);
    // serveMedia turns every failure into an answer, so it never throws or rejects.
    const answered = origin.serveMedia({ method: req.method ?? 'GET', rawPath: pathOfTarget(target), headers: nodeHeaderReader(req.headers) });
    if (answered instanceof Promise) void answered.then((answer) => deliver(res, answer));
    else deliver(res, answered);
  };
}

/** What piping into a response rejects with when its connection closed before the body ended. */
function isClientGone(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/**
 * Writes an answer: synchronously when the body is in memory (no promise on the hot path), a
 * promise while a body stream is piped. Node leaves the body out of HEAD, 204 and 304 answers.
 */
function send(res: ServerResponse, { status, headers, body }: MediaAnswer): Promise<void> | undefined {
  res.writeHead(status, headers);
  if (body === null || body instanceof Uint8Array) return void res.end(body ?? undefined);
  if (Array.isArray(body)) {
    // Corked: the headers and every piece leave in one writev.
    res.cork();
    for (const piece of body) res.write(piece);
    return void res.end();
  }
  return pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), res);
}
