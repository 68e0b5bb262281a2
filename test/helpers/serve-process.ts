// `cadence serve` as its own process, as an operator runs it: started on a free loopback port,
// ready once it prints where it listens, stopped with a signal (or killed).

import { type ChildProcess, spawn } from 'node:child_process';
import type { PlaybackGrant } from '../../origin/types.ts';
import { REPO_ROOT } from './cadence-cli.ts';
import { freePort } from './free-port.ts';

export { freePort };

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything it wrote on stderr so far (its log). */
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServe(options: { env: NodeJS.ProcessEnv; args?: string[]; timeoutMs?: number }): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/cadence.js', 'serve', '--port', String(port), ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start within ${options.timeoutMs ?? 60_000} ms:\n${stderr}`)), options.timeoutMs ?? 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before listening:\n${stderr}`));
    });
  });
  return {
    url,
    child,
    log: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The node's grant of `isrc` for the listener in `headers`, or null while it refuses (body read either way). */
export async function grantOn(node: ServeProcess, isrc: string, headers: Record<string, string>): Promise<PlaybackGrant | null> {
  const answer = await fetch(`${node.url}/v1/tracks/${isrc}/playback`, { headers });
  if (answer.status !== 200) {
    await answer.body?.cancel();
    return null;
  }
  return (await answer.json()) as PlaybackGrant;
}

/** Polls until the node grants `isrc`; fails after `withinMs`. */
export async function waitForGrant(node: ServeProcess, isrc: string, headers: Record<string, string>, { withinMs, everyMs = 50 }: { withinMs: number; everyMs?: number }): Promise<PlaybackGrant> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const grant = await grantOn(node, isrc, headers);
    if (grant) return grant;
    if (Date.now() > deadline) throw new Error(`${node.url} did not grant ${isrc} within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
