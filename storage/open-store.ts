// Turns a CADENCE_STORE URL into a driver. Environment variables are read only by
// `s3OptionsFromEnv`, which the CLI edge calls with `process.env` and passes the result in.

import { isAbsolute, resolve } from 'node:path';

import { CadenceError } from '../errors/cadence-error.ts';
import { FsObjectStore } from './fs-store.ts';
import { S3ObjectStore } from './s3-store.ts';
import type { S3ObjectStoreOptions } from './s3-store.ts';
import type { ObjectStore, StoreLogger } from './types.ts';

/** S3 settings that come from the environment or the caller, not from the store URL. */
export type S3StoreSettings = Omit<S3ObjectStoreOptions, 'bucket' | 'prefix' | 'logger'>;

export interface OpenObjectStoreOptions {
  /** Base for relative `file://` paths. Default: the process's working directory. */
  cwd?: string;
  s3?: S3StoreSettings;
  logger?: StoreLogger;
}

const USAGE = 'use file://PATH or s3://BUCKET[/PREFIX]';

/** `file://PATH` (absolute, or relative to `cwd`) or `s3://BUCKET[/PREFIX]`. */
export function openObjectStore(url: string, options: OpenObjectStoreOptions = {}): ObjectStore {
  const { cwd = process.cwd(), s3 = {}, logger } = options;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'file') return new FsObjectStore({ root: fileRoot(url, cwd), logger });
  if (scheme === 's3') return new S3ObjectStore({ ...s3, ...s3Location(url), logger });
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

/**
 * S3 settings from the standard AWS variables plus CADENCE_S3_MAX_ATTEMPTS. Unset variables are
 * left to the SDK's defaults (region us-east-1, the credential provider chain).
 */
export function s3OptionsFromEnv(env: NodeJS.ProcessEnv): S3StoreSettings {
  const settings: S3StoreSettings = {};
  const region = nonEmpty(env.AWS_REGION);
  if (region) settings.region = region;
  const endpoint = nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  if (endpoint) {
    const name = nonEmpty(env.AWS_ENDPOINT_URL_S3) ? 'AWS_ENDPOINT_URL_S3' : 'AWS_ENDPOINT_URL';
    if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
      throw new CadenceError('BAD_INPUT', `${name}=${JSON.stringify(endpoint)} is not an http(s) URL`);
    }
    settings.endpoint = endpoint;
  }
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId && secretAccessKey) {
    const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
    settings.credentials = { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) };
  }
  const attempts = nonEmpty(env.CADENCE_S3_MAX_ATTEMPTS);
  if (attempts !== undefined) {
    const value = Number(attempts);
    if (!/^\d+$/.test(attempts) || value < 1 || value > 20) {
      throw new CadenceError('BAD_INPUT', `CADENCE_S3_MAX_ATTEMPTS must be an integer from 1 to 20, got ${JSON.stringify(attempts)}`);
    }
    settings.maxAttempts = value;
  }
  return settings;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
