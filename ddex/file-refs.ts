// What the caller must check on disk for a mapped release: every file the message names, with
// the hash it promised and where in the XML it was promised (for the problem and the ack).

import type { FileRef, HashAlgorithm, ReleaseDeliveryModel } from './types.ts';

export interface FileToVerify {
  role: 'master' | 'cover';
  /** The track's ISRC, for masters. */
  isrc: string | null;
  file: FileRef;
}

/** node:crypto's name for each algorithm ERN uses. */
export const NODE_HASH_NAME: Readonly<Record<HashAlgorithm, string>> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

export function filesToVerify(model: ReleaseDeliveryModel): FileToVerify[] {
  const files: FileToVerify[] = model.tracks.map((track) => ({ role: 'master', isrc: track.isrc, file: track.master }));
  if (model.cover) files.push({ role: 'cover', isrc: null, file: { path: model.cover.path, hash: model.cover.hash, location: model.cover.location } });
  return files;
}
