// SIGINT (Ctrl-C) and SIGTERM during a command: the first one cancels the work through an
// AbortSignal, so ffmpeg is stopped, job rows say `aborted` and temporary folders are removed
// before the command ends with `ABORTED: …` and the conventional status 128 + signal number
// (130, 143). A second signal ends the process at once; what that leaves behind (scratch
// folders, `running` job rows) is recognised and cleaned up by the next run.

import { constants } from 'node:os';
import { CadenceError } from '../errors/cadence-error.ts';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type Interrupt = (typeof SIGNALS)[number];

let received: Interrupt | null = null;

/** Runs `work` with a signal that aborts on the first SIGINT or SIGTERM. */
export async function withInterrupts<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = (name: Interrupt): void => {
    if (received !== null) process.exit(exitStatusOf(received));
    received = name;
    abort.abort(new CadenceError('ABORTED', `interrupted by ${name}`));
  };
  const handlers = SIGNALS.map((name) => [name, () => onSignal(name)] as const);
  for (const [name, handler] of handlers) process.on(name, handler);
  try {
    return await work(abort.signal);
  } finally {
    for (const [name, handler] of handlers) process.off(name, handler);
  }
}

/** The exit status of a command that ended with ABORTED: 128 + the signal that caused it. */
export function abortedExitStatus(): number {
  return exitStatusOf(received ?? 'SIGINT');
}

function exitStatusOf(name: Interrupt): number {
  return 128 + constants.signals[name];
}
