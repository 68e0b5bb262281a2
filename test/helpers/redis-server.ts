// A real redis-server (Debian's /usr/bin/redis-server, or REDIS_SERVER) on a free loopback port,
// in a temporary folder, with `appendonly yes` (a restart keeps every acknowledged write) and
// `maxmemory-policy noeviction` (a full Redis refuses writes rather than dropping data, which is
// what BullMQ and the listener store need). Stop and restart it to test reconnects and durability.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export interface TestRedis {
  /** `redis://127.0.0.1:PORT`. */
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGTERM, waits for exit); data stays in `dir`. */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder (after stop). */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--save', '', '--protected-mode', 'yes', '--daemonize', 'no', '--loglevel', 'warning'];
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const fail = (message: string): void => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port}: ${message}\n${output.slice(-2000)}`));
    };
    child.once('error', (error) => reject(new Error(`cannot start ${REDIS_SERVER}: ${error.message}`)));
    child.once('exit', (code) => fail(`exited with ${code}`));
    // Ready when it answers PING over TCP.
    const poll = (): void => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('data', (data: Buffer) => {
        socket.destroy();
        if (data.toString().startsWith('+PONG')) {
          child.removeAllListeners('exit');
          resolve(child);
        } else retry();
      });
      socket.once('error', () => {
        socket.destroy();
        retry();
      });
      socket.write('PING\r\n');
    };
    const retry = (): void => {
      if (Date.now() > deadline) fail('not ready after 10 s');
      else setTimeout(poll, 50);
    };
    poll();
  });
}

export async function startRedis(): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'cadence-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = await launch(port, dir);
  const stop = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    restart: async () => {
      await stop();
      child = await launch(port, dir);
    },
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
