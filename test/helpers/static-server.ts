// A throwaway HTTP server for browser tests: serves a media folder plus the player pages and
// player builds under /__players/, all from one origin so no CORS rules get in the way.

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface StaticServerOptions {
  /** Folder served at `/`. */
  root: string;
  /**
   * Extra URL prefixes (e.g. `/broken/`): a folder served under that prefix, or a handler that
   * gets the request with the prefix still on `req.url`. Checked before `root`, longest first.
   */
  extraRoutes?: Record<string, string | RouteHandler>;
}

export interface RecordedRequest {
  method: string;
  url: string;
  /** The Range header exactly as the client sent it. */
  range?: string;
  /**
   * Browsers send the full page URL as Referer on same-origin requests, which tells apart the
   * requests of player pages running side by side.
   */
  referer?: string;
  status: number;
}

export interface StaticServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  close(): Promise<void>;
  requests: RecordedRequest[];
}

export const PLAYERS_PREFIX = '/__players/';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

// Fixed files only: nothing else from node_modules is reachable over HTTP.
const playerFiles: Record<string, string> = {
  'hls.html': `${repoRoot}test/players/hls.html`,
  'dash.html': `${repoRoot}test/players/dash.html`,
  // dashjs only exports its ESM build, so the UMD file is addressed by path.
  'hls.min.js': `${repoRoot}node_modules/hls.js/dist/hls.min.js`,
  'dash.all.min.js': `${repoRoot}node_modules/dashjs/dist/legacy/umd/dash.all.min.js`,
};

const contentTypes: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.mp4': 'audio/mp4',
  '.m4s': 'audio/mp4',
  '.m4a': 'audio/mp4',
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

function contentTypeFor(pathname: string): string | undefined {
  const dot = pathname.lastIndexOf('.');
  return dot === -1 ? undefined : contentTypes[pathname.slice(dot).toLowerCase()];
}

function serveFolder(dir: string): RouteHandler {
  const handler = sirv(dir, {
    // dev mode stats files per request, so files written after start-up are still found.
    dev: true,
    etag: false,
    setHeaders(res, pathname) {
      const type = contentTypeFor(pathname);
      if (type) res.setHeader('Content-Type', type);
      res.setHeader('Accept-Ranges', 'bytes');
      // Each test wants to see every request, not a browser-cache hit.
      res.setHeader('Cache-Control', 'no-store');
    },
  });
  return (req, res) =>
    handler(req, res, () => {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain');
      res.end('not found');
    });
}

function servePlayers(): RouteHandler {
  const handlers = new Map<string, RouteHandler>();
  for (const [name, file] of Object.entries(playerFiles)) {
    const dir = file.slice(0, file.lastIndexOf('/'));
    const base = file.slice(file.lastIndexOf('/') + 1);
    const folder = serveFolder(dir);
    handlers.set(name, (req, res) => {
      // Rewrite to the file's real name inside its own folder; keep the query string.
      const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      req.url = `/${base}${query}`;
      return folder(req, res);
    });
  }
  return (req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname.slice(PLAYERS_PREFIX.length);
    const handler = handlers.get(name);
    if (handler) return handler(req, res);
    res.statusCode = 404;
    res.end('not found');
  };
}

function underPrefix(prefix: string, handler: RouteHandler): RouteHandler {
  const strip = prefix.endsWith('/') ? prefix.length - 1 : prefix.length;
  return (req, res) => {
    req.url = (req.url ?? '/').slice(strip) || '/';
    return handler(req, res);
  };
}

/**
 * sirv gets a few Range forms wrong: `bytes=-N` (suffix) is read as `0-N`, an end of 0 is read
 * as "to the end", and multi-ranges are cut to the first. Dropping the header for those makes
 * the reply a plain 200 with the whole file, which RFC 9110 allows for any Range request.
 */
function normaliseRange(req: IncomingMessage): void {
  const range = req.headers.range;
  if (range === undefined) return;
  const match = /^bytes=(\d+)-(\d*)$/.exec(range.trim());
  if (!match) {
    delete req.headers.range;
    return;
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? undefined : Number(match[2]);
  if (end !== undefined && (end < start || end === 0)) delete req.headers.range;
}

export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const requests: RecordedRequest[] = [];
  const routes: Array<[string, RouteHandler]> = Object.entries(options.extraRoutes ?? {}).map(
    ([prefix, target]) => [prefix, typeof target === 'string' ? underPrefix(prefix, serveFolder(target)) : target],
  );
  routes.push([PLAYERS_PREFIX, servePlayers()]);
  routes.sort((a, b) => b[0].length - a[0].length);
  const rootHandler = serveFolder(options.root);

  const server = createServer((req, res) => {
    const entry: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', status: 0 };
    if (req.headers.range !== undefined) entry.range = req.headers.range;
    if (req.headers.referer !== undefined) entry.referer = req.headers.referer;
    requests.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    // Close-without-finish (client abort) still leaves a status to assert on.
    res.on('close', () => {
      if (entry.status === 0) entry.status = res.statusCode;
    });

    normaliseRange(req);
    const pathname = new URL(entry.url, 'http://x').pathname;
    const route = routes.find(([prefix]) => pathname.startsWith(prefix));
    const handler = route ? route[1] : rootHandler;
    Promise.resolve(handler(req, res)).catch((err: unknown) => {
      if (!res.headersSent) res.statusCode = 500;
      res.end(String(err));
    });
  });
  // Browsers keep connections alive; without this close() would wait for them to idle out.
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
