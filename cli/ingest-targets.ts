// Where `cadence ingest` would write, checked without creating anything: the store URL and the
// catalog path. `--dry-run` runs this too, so a dry run that passes means the real run can
// start; a folder that cannot be created or written is named before any work (BAD_CONFIG).

import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CadenceError } from '../errors/cadence-error.ts';
import { parseStoreUrl } from '../storage/store-url.ts';

export interface IngestTargets {
  storeUrl: string;
  catalogPath: string;
}

export async function checkIngestTargets({ storeUrl, catalogPath }: IngestTargets): Promise<void> {
  const problems: string[] = [];
  let location;
  try {
    location = parseStoreUrl(storeUrl);
  } catch (error) {
    problems.push(`CADENCE_STORE: ${(error as Error).message}`);
  }
  if (location?.kind === 'file') {
    const why = await folderProblem(location.root);
    if (why) problems.push(`CADENCE_STORE=${storeUrl}: cannot store objects in ${location.root}: ${why}`);
  }
  const why = await catalogProblem(catalogPath);
  if (why) problems.push(`CADENCE_CATALOG=${catalogPath}: ${why}`);
  if (problems.length === 1) throw new CadenceError('BAD_CONFIG', problems[0]!);
  if (problems.length > 1) throw new CadenceError('BAD_CONFIG', `${problems.length} settings refused\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

/** Why `path` cannot be (or become) a folder we write into; null when it can. */
async function folderProblem(path: string): Promise<string | null> {
  const info = await stat(path).catch(() => null);
  if (info) {
    if (!info.isDirectory()) return `${path} is a file, not a folder`;
    return (await writable(path)) ? null : `${path} is not writable`;
  }
  return creatableProblem(path);
}

/** Why the catalog file cannot be opened for writing or created; null when it can. */
async function catalogProblem(path: string): Promise<string | null> {
  const info = await stat(path).catch(() => null);
  if (info) {
    if (info.isDirectory()) return `${path} is a folder, not a catalog file`;
    return (await writable(path)) ? null : `${path} is not writable`;
  }
  return creatableProblem(path);
}

/** `path` does not exist: its nearest existing ancestor must be a writable folder. */
async function creatableProblem(path: string): Promise<string | null> {
  for (let parent = dirname(path), child = path; parent !== child; child = parent, parent = dirname(parent)) {
    const info = await stat(parent).catch(() => null);
    if (!info) continue;
    if (!info.isDirectory()) return `${parent} is a file, so ${path} cannot be created`;
    return (await writable(parent)) ? null : `${parent} is not writable, so ${path} cannot be created`;
  }
  return `no existing folder above ${path}`;
}

async function writable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}
