// The leash is what keeps ffmpeg from outliving a SIGKILLed worker: proven with a parent process
// that starts a long-running child through it and is then SIGKILLed, against the same child
// started without it (which survives, so this test can fail).

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ffmpegLeash } from './ffmpeg-leash.ts';

/** Starts a node parent that spawns `binary 30` and prints the child's pid; returns both pids. */
async function parentWithChild(binary: string): Promise<{ parent: number; child: number }> {
  const script = `const c = require('node:child_process').spawn(${JSON.stringify(binary)}, ['30'], { stdio: 'ignore' }); c.on('spawn', () => console.log(c.pid)); setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const child = await new Promise<number>((resolve) => parent.stdout!.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim()))));
  return { parent: parent.pid!, child };
}

/** Running (not gone, not a zombie waiting to be reaped). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat !== null && !/\) [ZX] /.test(stat);
}

async function stillRunningAfterParentKilled(binary: string): Promise<boolean> {
  const { parent, child } = await parentWithChild(binary);
  // Wait until the child has exec'd its final program (sh → setpriv → sleep keeps one pid).
  for (let i = 0; i < 100 && !(await readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => '')).startsWith('/bin/sleep'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  process.kill(parent, 'SIGKILL');
  for (let i = 0; i < 40 && (await running(child)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  const alive = await running(child);
  if (alive) process.kill(child, 'SIGKILL');
  return alive;
}

describe('ffmpegLeash', () => {
  it('finds setpriv with --pdeathsig on this system', async () => {
    expect((await ffmpegLeash()).available).toBe(true);
  });

  it('a leashed child dies with its SIGKILLed parent; an unleashed one does not', async () => {
    const leash = await ffmpegLeash();
    expect(await stillRunningAfterParentKilled(await leash.wrap('/bin/sleep'))).toBe(false);
    expect(await stillRunningAfterParentKilled('/bin/sleep')).toBe(true);
  });

  it('falls back to the plain path when setpriv is missing', async () => {
    const leash = await ffmpegLeash({ setpriv: '/nonexistent/setpriv' });
    expect(leash.available).toBe(false);
    expect(await leash.wrap('/usr/bin/ffmpeg')).toBe('/usr/bin/ffmpeg');
  });

  it('passes arguments through unchanged, quotes and spaces included', async () => {
    const leash = await ffmpegLeash();
    const echo = await leash.wrap('/bin/echo');
    const out = await new Promise<string>((resolve) => {
      const child = spawn(echo, ["it's", 'a b', '$HOME'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk));
      child.on('close', () => resolve(text));
    });
    expect(out).toBe("it's a b $HOME\n");
  });
});
