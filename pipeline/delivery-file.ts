// A file a delivery names (a master, the cover): a plain relative path that, after resolving
// symlinks, still lies inside the delivery folder. Shared by every file check so none is laxer.

import { realpath } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';

/** Why `path` may not be used as delivered, or null. */
export function deliveryPathProblem(path: string): string | null {
  if (isAbsolute(path) || /^[a-zA-Z]:/.test(path)) return 'must be relative to the delivery file, not absolute';
  if (path.includes('\\')) return 'must use forward slashes';
  if (path.includes('\0')) return 'contains a NUL byte';
  if (path.split('/').includes('..')) return 'must not contain ".." segments';
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return 'must be a file path, not a URL';
  return null;
}

/** Why a delivered path was refused: a DDEX problem code follows from it. */
export type DeliveryFileRefusal = 'unsafe' | 'missing' | 'outside';

/**
 * The real path of `path` inside `folder` (itself a real path), or the problem as a message that
 * names the path as delivered and never the folder (`within` is what the folder is called).
 */
export async function resolveDeliveryFile(
  folder: string,
  path: string,
  { within = 'delivery folder' }: { within?: string } = {},
): Promise<{ path: string } | { problem: string; refusal: DeliveryFileRefusal }> {
  const unsafe = deliveryPathProblem(path);
  if (unsafe) return { problem: `${JSON.stringify(path)} ${unsafe}`, refusal: 'unsafe' };
  const real = await realpath(resolve(folder, path)).catch(() => null);
  if (!real) return { problem: `${path}: the file does not exist`, refusal: 'missing' };
  if (!real.startsWith(folder + sep)) return { problem: `${path} leads outside the ${within}`, refusal: 'outside' };
  return { path: real };
}
