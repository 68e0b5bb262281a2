// A throwaway nginx CDN edge for tests: renders cdn/nginx.conf.template into a private temporary
// prefix and runs nginx in the foreground as a child of the test process, so nothing outlives
// the test run and nothing touches the system nginx.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants as fsConstants, rmSync } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_NGINX_PATH = '/usr/sbin/nginx';
export const DEFAULT_CDN_TEMPLATE = fileURLToPath(new URL('../../cdn/nginx.conf.template', import.meta.url));

export interface NginxCdnOptions {
  /** Origin base URL: scheme, host and port only, e.g. `http://127.0.0.1:8080`. */
  origin: string;
  /** Config template with `{{LISTEN}}`, `{{ORIGIN}}`, `{{CACHE_DIR}}`, `{{PREFIX}}`; defaults to the repo's. */
  template?: string;
  /** nginx binary; must have the slice module (Debian's nginx-light does). */
  nginxPath?: string;
  /** How long to wait for nginx to accept connections. */
  startTimeoutMs?: number;
}

export interface NginxCdn {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Temporary folder holding the rendered config, logs, temp files and the cache. */
  prefix: string;
  cacheDir: string;
  /** Stops nginx and deletes the prefix; safe to call twice. */
  stop(): Promise<void>;
  /** Access log lines so far (format `cadence_cdn` in the template). */
  accessLog(): Promise<string[]>;
  errorLog(): Promise<string>;
}

const PLACEHOLDER = /\{\{([A-Z_]+)\}\}/g;

/** Substitutes every `{{NAME}}`; a placeholder without a value is an error, not a silent blank. */
export function renderNginxTemplate(template: string, values: Record<string, string>): string {
  const missing = new Set<string>();
  const rendered = template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) {
      missing.add(name);
      return whole;
    }
    return value;
  });
  if (missing.size > 0) throw new Error(`nginx template: no value for ${[...missing].map((name) => `{{${name}}}`).join(', ')}`);
  return rendered;
}

/** `http://host:port` → `host:port` for an nginx `upstream` block. */
function originAddress(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new Error(`startNginxCdn: origin ${JSON.stringify(origin)} is not a URL (expected http://HOST:PORT)`);
  }
  if (url.protocol !== 'http:' || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    throw new Error(`startNginxCdn: origin ${JSON.stringify(origin)} must be http://HOST:PORT with no path or query`);
  }
  return url.port ? url.host : `${url.host}:80`;
}

// Children still running when the test process exits are killed, so a failed or interrupted run
// leaves no nginx behind holding a port.
const running = new Map<ChildProcess, string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [child, prefix] of running) {
      child.kill('SIGKILL');
      rmSync(prefix, { recursive: true, force: true });
    }
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

type Launch = { ok: true; child: ChildProcess } | { ok: false; portTaken: boolean; message: string };

async function launch(options: { nginxPath: string; prefix: string; confPath: string; port: number; startTimeoutMs: number }): Promise<Launch> {
  const { nginxPath, prefix, confPath, port, startTimeoutMs } = options;
  // The pid file comes from the template; a single process is enough for tests and dies with us.
  const child = spawn(nginxPath, ['-p', `${prefix}/`, '-c', confPath, '-g', 'daemon off; master_process off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  running.set(child, prefix);

  const failure = async (message: string): Promise<Launch> => {
    running.delete(child);
    child.kill('SIGKILL');
    await waitForExit(child, 2000);
    const errorLog = await readFile(join(prefix, 'logs/error.log'), 'utf8').catch(() => '');
    const detail = [stderr.trim(), errorLog.trim()].filter(Boolean).join('\n');
    return { ok: false, portTaken: /Address already in use/.test(detail), message: detail ? `${message}\n${detail}` : message };
  };

  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (spawnError) return failure(`nginx failed to start: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      return failure(`nginx exited during start-up (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    if (await canConnect(port)) return { ok: true, child };
    await delay(50);
  }
  return failure(`nginx did not accept connections on 127.0.0.1:${port} within ${startTimeoutMs} ms`);
}

export async function startNginxCdn(options: NginxCdnOptions): Promise<NginxCdn> {
  const { origin, template = DEFAULT_CDN_TEMPLATE, nginxPath = DEFAULT_NGINX_PATH, startTimeoutMs = 10_000 } = options;
  try {
    await access(nginxPath, fsConstants.X_OK);
  } catch {
    throw new Error(`startNginxCdn: no nginx executable at ${nginxPath}; install one with the slice module (Debian/Ubuntu: apt-get install nginx-light)`);
  }
  const upstream = originAddress(origin);
  const templateText = await readFile(template, 'utf8');

  installExitHook();
  const prefix = await mkdtemp(join(tmpdir(), 'cadence-cdn-'));
  const cacheDir = join(prefix, 'cache');
  await Promise.all([mkdir(join(prefix, 'logs')), mkdir(join(prefix, 'temp')), mkdir(cacheDir)]);
  const confPath = join(prefix, 'nginx.conf');

  // A port found free can be taken before nginx binds it; then try another one.
  let child: ChildProcess | undefined;
  let port = 0;
  let lastError = '';
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    const conf = renderNginxTemplate(templateText, { LISTEN: `127.0.0.1:${port}`, ORIGIN: upstream, CACHE_DIR: cacheDir, PREFIX: prefix });
    await writeFile(confPath, conf);
    const result = await launch({ nginxPath, prefix, confPath, port, startTimeoutMs });
    if (result.ok) child = result.child;
    else if (result.portTaken) lastError = result.message;
    else {
      await rm(prefix, { recursive: true, force: true });
      throw new Error(`startNginxCdn: ${result.message}`);
    }
  }
  if (!child) {
    await rm(prefix, { recursive: true, force: true });
    throw new Error(`startNginxCdn: no free port after 5 attempts: ${lastError}`);
  }

  const started = child;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    prefix,
    cacheDir,
    stop() {
      stopping ??= (async () => {
        // SIGTERM is nginx's fast shutdown; SIGKILL if it hangs.
        started.kill('SIGTERM');
        if (!(await waitForExit(started, 5000))) {
          started.kill('SIGKILL');
          await waitForExit(started, 2000);
        }
        running.delete(started);
        await rm(prefix, { recursive: true, force: true });
      })();
      return stopping;
    },
    async accessLog() {
      const text = await readFile(join(prefix, 'logs/access.log'), 'utf8').catch(() => '');
      return text.split('\n').filter((line) => line.length > 0);
    },
    errorLog() {
      return readFile(join(prefix, 'logs/error.log'), 'utf8').catch(() => '');
    },
  };
}
