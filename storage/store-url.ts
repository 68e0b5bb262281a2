// Where a CADENCE_STORE URL points, without opening anything (no driver, no AWS SDK): so a
// setting can be checked at start, and `ingest --dry-run` can check the store it would use.

import { isAbsolute, resolve } from 'node:path';
import { CadenceError } from '../errors/cadence-error.ts';

export type StoreLocation = { kind: 'file'; root: string } | { kind: 's3'; bucket: string; prefix: string };

const USAGE = 'use file://PATH or s3://BUCKET[/PREFIX]';

/** `file://PATH` (absolute, or relative to `cwd`) or `s3://BUCKET[/PREFIX]`; BAD_INPUT otherwise. */
export function parseStoreUrl(url: string, cwd: string = process.cwd()): StoreLocation {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'file') return { kind: 'file', root: fileRoot(url, cwd) };
  if (scheme === 's3') return { kind: 's3', ...s3Location(url) };
  throw badUrl(url, scheme ? `unsupported scheme "${scheme}:"` : 'not a store URL');
}

/** Everything after `file://` is a path (percent-escapes decoded): `file:///abs`, `file://./rel`. */
function fileRoot(url: string, cwd: string): string {
  const rest = url.slice('file://'.length);
  if (/[?#]/.test(rest)) throw badUrl(url, 'a file store URL takes no query or fragment');
  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch (error) {
    throw badUrl(url, 'malformed percent-escape', error);
  }
  if (path === '') throw badUrl(url, 'no path');
  if (path.includes('\0')) throw badUrl(url, 'the path contains a NUL character');
  return isAbsolute(path) ? resolve(path) : resolve(cwd, path);
}

// S3's bucket naming rules (lower case, digits, dots, hyphens; 3-63 characters).
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function s3Location(url: string): { bucket: string; prefix: string } {
  const rest = url.slice('s3://'.length);
  if (/[?#]/.test(rest)) throw badUrl(url, 'an S3 store URL takes no query or fragment');
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  if (bucket === '') throw badUrl(url, 'no bucket name');
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) throw badUrl(url, `"${bucket}" is not a valid bucket name`);
  if (prefix !== '') {
    const bad = prefix.split('/').find((segment) => segment === '' || segment === '.' || segment === '..');
    if (bad !== undefined || /[\\\0]/.test(prefix)) throw badUrl(url, `"${prefix}" is not a valid key prefix`);
  }
  return { bucket, prefix };
}

function badUrl(url: string, why: string, cause?: unknown): CadenceError {
  return new CadenceError('BAD_INPUT', `invalid object store URL ${JSON.stringify(url)}: ${why}; ${USAGE}`, { cause });
}
