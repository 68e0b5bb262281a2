// The development signing key: when CADENCE_SIGNING_KEYS is unset, `cadence serve` signs with a
// key kept in ./data (created the first time). An explicit step of `serve`, not a side effect of
// reading the configuration. Never for production: every node needs the same keys.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CadenceError } from '../errors/cadence-error.ts';
import { parseSigningKeys, type SigningKey } from '../origin/signing.ts';

export const DEV_KEY_FILE = './data/dev-signing-key';

/** The keys in `file`, creating it with a fresh random key when it does not exist. */
export function devSigningKeys(file: string = DEV_KEY_FILE): SigningKey[] {
  const path = resolve(file);
  const existing = readKeyFile(path);
  if (existing !== null) return parse(path, existing);
  const value = `dev:${randomBytes(32).toString('base64url')}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process (a sibling worker) created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return parse(path, readKeyFile(path) ?? '');
    throw new CadenceError('BAD_CONFIG', `cannot create the development signing key ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); set CADENCE_SIGNING_KEYS`, { cause: error });
  }
  return parse(path, value);
}

function readKeyFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CadenceError('BAD_CONFIG', `cannot read the development signing key ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); set CADENCE_SIGNING_KEYS`, { cause: error });
  }
}

function parse(path: string, value: string): SigningKey[] {
  try {
    return parseSigningKeys(value);
  } catch (error) {
    throw new CadenceError('BAD_CONFIG', `the development signing key ${path} is not valid (${(error as Error).message}); delete it to have a new one made, or set CADENCE_SIGNING_KEYS`, { cause: error });
  }
}
