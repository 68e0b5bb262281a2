// The embedded identity provider for one machine: an ES256 key pair kept in one JWK file under
// ./data (created once, mode 0600). `cadence token` signs with its private half; the local origin
// verifies with its public half through the same verifier a remote JWKS uses.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, SignJWT } from 'jose';
import { CadenceError } from '../errors/cadence-error.ts';
import { DEFAULT_CLAIMS } from './access-token.ts';
import type { ListenerClaims } from './types.ts';

export const LOCAL_ALGORITHM = 'ES256';

export interface LocalIdentity {
  kid: string;
  privateKey: CryptoKey;
  /** The JWKS the local origin verifies against (public key only). */
  jwks: JSONWebKeySet;
}

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === code;
}

/** Reads the key file, creating it first when it does not exist (two processes racing: one wins, both read it). */
export async function loadOrCreateLocalIdentity(file: string): Promise<LocalIdentity> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw new CadenceError('BAD_INPUT', `${file}: cannot read the local identity key`, { cause: error });
    const { privateKey } = await generateKeyPair(LOCAL_ALGORITHM, { extractable: true });
    const jwk = await exportJWK(privateKey);
    const created = JSON.stringify({ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: LOCAL_ALGORITHM, use: 'sig' });
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, `${created}\n`, { mode: 0o600, flag: 'wx' });
    } catch (raced) {
      if (!isErrno(raced, 'EEXIST')) throw new CadenceError('BAD_INPUT', `${file}: cannot write the local identity key`, { cause: raced });
    }
    text = readFileSync(file, 'utf8');
  }
  return identityOf(file, text);
}

async function identityOf(file: string, text: string): Promise<LocalIdentity> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch (error) {
    throw new CadenceError('BAD_INPUT', `${file}: not a JSON Web Key`, { cause: error });
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.kid) throw new CadenceError('BAD_INPUT', `${file}: expected a P-256 private JWK with a kid`);
  const { d: _private, ...publicJwk } = jwk;
  return {
    kid: jwk.kid,
    privateKey: (await importJWK(jwk, LOCAL_ALGORITHM)) as CryptoKey,
    jwks: { keys: [{ ...publicJwk, alg: LOCAL_ALGORITHM, use: 'sig' }] },
  };
}

export interface AccessTokenClaims {
  listener: string;
  tier: string;
  country?: string | null;
  ttlSeconds: number;
}

/** A signed access token as an identity provider would issue it. */
export async function signAccessToken(options: { identity: Pick<LocalIdentity, 'kid' | 'privateKey'>; issuer: string; audience: string; claims?: ListenerClaims; now?: Date } & AccessTokenClaims): Promise<string> {
  const { identity, issuer, audience, claims = DEFAULT_CLAIMS, now = new Date(), listener, tier, country, ttlSeconds } = options;
  const issuedAt = Math.floor(now.getTime() / 1000);
  const payload: Record<string, string> = { [claims.tier]: tier };
  if (country) payload[claims.country] = country.toUpperCase();
  // `sub` is the default listener claim; another configured name is set as a plain claim.
  if (claims.listener !== 'sub') payload[claims.listener] = listener;
  const jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: LOCAL_ALGORITHM, kid: identity.kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds);
  if (claims.listener === 'sub') jwt.setSubject(listener);
  return jwt.sign(identity.privateKey);
}
