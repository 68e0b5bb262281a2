// No ffmpeg outlives its worker, even a SIGKILLed one. Linux can tell a child to die with its
// parent (prctl PR_SET_PDEATHSIG); util-linux `setpriv --pdeathsig KILL` sets it and then execs
// the program. The pipeline runs ffmpeg through one wrapper (fluent-ffmpeg) that takes a binary
// path, so the worker hands it a two-line shell script that execs `setpriv … -- ffmpeg "$@"`:
// the same pid all along (exec, not fork), so aborting still kills ffmpeg itself, and its parent
// is the worker. Where setpriv is missing or too old, the plain path is used and the caller warns.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const SETPRIV = '/usr/bin/setpriv';

export interface Leash {
  /** Wraps a binary path; the same path back when no leash is available. */
  wrap(binary: string): Promise<string>;
  available: boolean;
}

/** Checks once that setpriv exists and knows `--pdeathsig`. */
export async function ffmpegLeash(options: { setpriv?: string; dir?: string } = {}): Promise<Leash> {
  const { setpriv = SETPRIV, dir = join(tmpdir(), 'cadence-leash') } = options;
  const help = await promisify(execFile)(setpriv, ['--help']).then(
    ({ stdout }) => stdout,
    () => '',
  );
  if (!help.includes('--pdeathsig')) return { available: false, wrap: async (binary) => binary };
  return {
    available: true,
    async wrap(binary) {
      // One script per binary, shared by every worker on the machine and written atomically.
      const script = `#!/bin/sh\nexec ${shellQuote(setpriv)} --pdeathsig KILL -- ${shellQuote(binary)} "$@"\n`;
      const name = createHash('sha256').update(script).digest('hex').slice(0, 16);
      const path = join(dir, `${name}.sh`);
      await mkdir(dir, { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, script);
      await chmod(temporary, 0o755);
      await rename(temporary, path);
      return path;
    },
  };
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
