// The files a DDEX message names, checked on disk: each must exist inside the release folder
// (symlinks resolved) and match the hash the message promised (MD5, SHA-1 or SHA-2). Each
// problem names the file and the element that promised it, so the label finds both.

import { realpath, stat } from 'node:fs/promises';
import PQueue from 'p-queue';
import { type FileToVerify, NODE_HASH_NAME } from '../ddex/file-refs.ts';
import { resolveDeliveryFile } from './delivery-file.ts';
import type { DeliveryProblem } from './delivery-model.ts';
import { fileDigest } from './version-id.ts';

export interface VerifyFilesOptions {
  /** The release folder, absolute. */
  folder: string;
  files: FileToVerify[];
  /** Files hashed at once. */
  concurrency?: number;
}

export async function verifyReferencedFiles({ folder, files, concurrency = 2 }: VerifyFilesOptions): Promise<DeliveryProblem[]> {
  const root = await realpath(folder);
  const queue = new PQueue({ concurrency });
  const outcomes = await Promise.all(files.map((entry) => queue.add(() => verifyOne(root, entry))));
  return outcomes.filter((problem): problem is DeliveryProblem => problem !== null && problem !== undefined);
}

async function verifyOne(root: string, { file }: FileToVerify): Promise<DeliveryProblem | null> {
  const where = file.location;
  // The reader refused unsafe paths already (UNSAFE_PATH); a symlink can still lead out.
  const resolved = await resolveDeliveryFile(root, file.path, { within: 'release folder' });
  if ('problem' in resolved) return { where, code: resolved.refusal === 'missing' ? 'NO_FILE' : 'UNSAFE_PATH', message: resolved.problem };
  if (!(await stat(resolved.path)).isFile()) return { where, code: 'NO_FILE', message: `${file.path} is not a file` };
  // A missing hash is the reader's BAD_HASH problem; nothing to compare here.
  if (!file.hash) return null;
  const actual = await fileDigest(resolved.path, NODE_HASH_NAME[file.hash.algorithm]);
  if (actual === file.hash.value) return null;
  return { where, code: 'HASH_MISMATCH', message: `${file.path}: its ${file.hash.algorithm} is ${actual}, the message says ${file.hash.value}` };
}
