// Private temporary folders for encodes and packaging, each labelled with the process that made
// it, so that the folders of a process killed outright (SIGKILL, a crash, a power cut) can be
// recognised and removed by the next run instead of filling the disk.

import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProcessOwner, currentOwner, ownerIsGone } from './process-owner.ts';

/** The kinds of scratch folder Cadence makes: `cadence-<kind>-XXXXXX` in the temp folder. */
export type ScratchKind = 'ingest' | 'package' | 'ffmpeg';
const KINDS: readonly ScratchKind[] = ['ingest', 'package', 'ffmpeg'];
const OWNER_FILE = '.cadence-owner.json';
/** Folders of these kinds made before owners were recorded are removed once this old. */
const UNLABELLED_MAX_AGE_MS = 24 * 3600 * 1000;

export async function makeScratchDir(kind: ScratchKind, parent: string = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(parent, `cadence-${kind}-`));
  await writeFile(join(dir, OWNER_FILE), JSON.stringify(currentOwner()));
  return dir;
}

export interface SweepOptions {
  /** Where the scratch folders are; the temp folder by default. */
  parent?: string;
  isGone?: (owner: ProcessOwner | null) => boolean;
  now?: () => number;
}

/** Removes scratch folders whose owner process is gone; returns their paths. */
export async function sweepAbandonedScratch({ parent = tmpdir(), isGone = ownerIsGone, now = Date.now }: SweepOptions = {}): Promise<string[]> {
  const names = await readdir(parent).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!KINDS.some((kind) => name.startsWith(`cadence-${kind}-`))) continue;
    const dir = join(parent, name);
    if (!(await abandoned(dir, isGone, now))) continue;
    await rm(dir, { recursive: true, force: true }).then(() => removed.push(dir), () => {});
  }
  return removed;
}

async function abandoned(dir: string, isGone: (owner: ProcessOwner | null) => boolean, now: () => number): Promise<boolean> {
  const text = await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => null);
  if (text === null) {
    // Made by an older Cadence, or the owner was killed between mkdtemp and writing the label.
    const info = await stat(dir).catch(() => null);
    return info !== null && info.isDirectory() && now() - info.mtimeMs > UNLABELLED_MAX_AGE_MS;
  }
  try {
    return isGone(JSON.parse(text) as ProcessOwner);
  } catch {
    return false;
  }
}
