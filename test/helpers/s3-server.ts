// A throwaway S3-compatible server (s3rver) on loopback for storage and end-to-end tests. The
// HTTP server is ours, with s3rver's request handler inside it, so tests can stop it mid-upload
// (dropping open connections), bring it back on the same port with the same data, look at the
// request headers clients really sent, and inject failures.

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The small part of s3rver's API used here (the package ships no types). */
interface S3rverApp {
  configureBuckets(): Promise<unknown>;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverApp;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;

export interface RecordedS3Request {
  method: string;
  /** Path and query, e.g. `/cadence/a/b?uploadId=…&partNumber=2`. */
  url: string;
  /** Lower-case header names, as Node parses them. */
  headers: IncomingMessage['headers'];
}

/**
 * Sees every request before s3rver does. Return true when the hook answered (or destroyed) the
 * request itself; s3rver then never sees it.
 */
export type S3RequestHook = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface S3ServerOptions {
  bucket?: string;
  /** Where s3rver keeps its data; a fresh temp folder (removed on stop) when omitted. */
  directory?: string;
}

export interface S3TestServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  endpoint: string;
  bucket: string;
  directory: string;
  /** What the CLI edge reads to reach this server (s3rver's fixed dev credentials). */
  env: {
    AWS_ENDPOINT_URL_S3: string;
    AWS_REGION: string;
    AWS_ACCESS_KEY_ID: string;
    AWS_SECRET_ACCESS_KEY: string;
  };
  /** Every request received while running, oldest first. Tests may clear it. */
  requests: RecordedS3Request[];
  /** Install (or clear with null) a request hook; see `S3RequestHook`. */
  setHook(hook: S3RequestHook | null): void;
  /** Stops listening and drops open connections (in-flight uploads break). Keeps the data. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stops and removes the data folder if this helper created it. */
  close(): Promise<void>;
}

export async function startS3Server({
  bucket = 'cadence',
  directory,
}: S3ServerOptions = {}): Promise<S3TestServer> {
  const ownsDirectory = directory === undefined;
  const dataDir = directory ?? (await mkdtemp(join(tmpdir(), 'cadence-s3rver-')));
  const app = new S3rver({
    silent: true,
    directory: dataDir,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  await app.configureBuckets();
  const handle = app.callback();

  const requests: RecordedS3Request[] = [];
  let hook: S3RequestHook | null = null;
  let server: Server | null = null;
  let port = 0;

  const listen = async (): Promise<void> => {
    const next = createServer((req, res) => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
      if (hook?.(req, res)) return;
      handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        next.off('error', reject);
        resolve();
      });
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };

  const stop = async (): Promise<void> => {
    const current = server;
    if (!current) return;
    server = null;
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    current.closeAllConnections();
    await closed;
  };

  await listen();
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    bucket,
    directory: dataDir,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    },
    requests,
    setHook(next) {
      hook = next;
    },
    stop,
    async restart() {
      await stop();
      await listen();
    },
    async close() {
      await stop();
      if (ownsDirectory) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
