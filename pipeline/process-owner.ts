// Which process owns a job or a scratch folder, and whether that process is still there. Recorded
// as pid + host + start time: a pid alone is reused after a reboot or a wrap-around, and a pid on
// another machine says nothing here.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { JobOwner } from '../catalog/types.ts';

export type ProcessOwner = JobOwner;

/** This process. */
export function currentOwner(): ProcessOwner {
  const started = startTimeOf(process.pid) ?? new Date(Date.now() - process.uptime() * 1000);
  return { pid: process.pid, host: hostname(), startedAt: started.toISOString() };
}

/**
 * True when the owner has certainly ended: no process with its pid on this host, or one that
 * started at another time (the pid was reused). An owner on another host is never "gone" from
 * here; an owner not recorded at all (null: rows from before owners were kept) is.
 */
export function ownerIsGone(owner: ProcessOwner | null): boolean {
  if (owner === null) return true;
  if (owner.host !== hostname()) return false;
  if (owner.pid === process.pid) return owner.startedAt !== currentOwner().startedAt;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const started = startTimeOf(owner.pid);
  // Both times come from the same formula, so a live owner matches to the tick.
  return started !== null && Math.abs(started.getTime() - Date.parse(owner.startedAt)) > 1000;
}

/** Linux: boot time plus the process's start in clock ticks (field 22 of /proc/PID/stat); null elsewhere. */
function startTimeOf(pid: number): Date | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[22 - 3]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(bootSeconds)) return null;
    // USER_HZ is 100 on every Linux ABI Node runs on.
    return new Date(bootSeconds * 1000 + ticks * 10);
  } catch {
    return null;
  }
}
