// Signed media URLs. A token is `kid.expires.renditions.signature` where the signature is
// HMAC-SHA256 over the key id, the expiry, the rendition set and the scope `isrc/version`: one
// token opens one track version's manifests and the media of the renditions its tier may play
// (origin/rendition-set.ts), nothing else. It sits in the URL path (not the query), so relative
// URIs inside manifests inherit it. Expiries are aligned to time windows and the rendition set is
// the tier's, not the listener's: every listener of a tier in the same window gets the same URLs,
// and a CDN caches each object once per window per tier.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CadenceError } from '../errors/cadence-error.ts';

export interface SigningKey {
  id: string;
  secret: Buffer;
}

export interface TokenPolicy {
  /** Grants issued within one window share their expiry (and so their URLs). */
  windowSeconds: number;
  /** Minimum remaining validity of a fresh grant. */
  validitySeconds: number;
  /** Accepted lateness of the verifier's clock. */
  skewSeconds: number;
}

export const DEFAULT_TOKEN_POLICY: TokenPolicy = { windowSeconds: 3600, validitySeconds: 3600, skewSeconds: 30 };

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const TOKEN = /^([A-Za-z0-9_-]{1,32})\.(\d{1,12})\.([1-9a-f])\.([A-Za-z0-9_-]{43})$/;
/** A rendition set as written in a token: one hex digit, a bit per rendition (origin/rendition-set.ts). */
const RENDITION_SET = /^[1-9a-f]$/;

/** `kid:secret[,kid:secret…]`; the first key signs, all verify (so keys rotate without downtime). */
export function parseSigningKeys(value: string): SigningKey[] {
  const keys = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(':');
      // Without a colon there is no id to quote: saying so beats quoting a piece of the secret.
      if (colon === -1) throw new CadenceError('BAD_INPUT', 'a signing key has no "kid:" before its secret (expected kid:secret[,kid:secret…])');
      const id = entry.slice(0, colon);
      const secret = entry.slice(colon + 1);
      if (!KEY_ID.test(id)) throw new CadenceError('BAD_INPUT', `signing key id ${JSON.stringify(id)} must be 1-32 of A-Z a-z 0-9 _ -`);
      if (secret.length < 16) throw new CadenceError('BAD_INPUT', `signing key ${JSON.stringify(id)}: the secret must be at least 16 characters`);
      return { id, secret: Buffer.from(secret, 'utf8') };
    });
  if (keys.length === 0) throw new CadenceError('BAD_INPUT', 'no signing keys given (expected kid:secret[,kid:secret…])');
  if (new Set(keys.map((key) => key.id)).size !== keys.length) throw new CadenceError('BAD_INPUT', 'signing key ids must be unique');
  return keys;
}

function signature(key: SigningKey, expires: number, renditions: string, scope: string): Buffer {
  return createHmac('sha256', key.secret).update(`cadence-media-v2\n${key.id}\n${expires}\n${renditions}\n${scope}`).digest();
}

/** The scope a token is valid for: one immutable track version. */
export function tokenScope(isrc: string, version: string): string {
  return `${isrc}/${version}`;
}

/** `renditions`: the tier's rendition set (origin/rendition-set.ts), signed with the scope. */
export function issueToken(options: { keys: SigningKey[]; scope: string; renditions: string; now: Date; policy?: TokenPolicy }): { token: string; expiresAt: Date } {
  const { keys, scope, renditions, now, policy = DEFAULT_TOKEN_POLICY } = options;
  if (!RENDITION_SET.test(renditions)) throw new CadenceError('BAD_INPUT', `rendition set ${JSON.stringify(renditions)} must be one hex digit 1-f`);
  const key = keys[0]!;
  const seconds = Math.floor(now.getTime() / 1000);
  const windowEnd = (Math.floor(seconds / policy.windowSeconds) + 1) * policy.windowSeconds;
  const expires = windowEnd + policy.validitySeconds;
  return {
    token: `${key.id}.${expires}.${renditions}.${signature(key, expires, renditions, scope).toString('base64url')}`,
    expiresAt: new Date(expires * 1000),
  };
}

/** `renditions`: the signed rendition set the token opens. */
export type TokenCheck = { ok: true; expiresAt: Date; renditions: string } | { ok: false; status: 403 | 410; reason: string };

/**
 * 403 for anything not signed by one of our keys for this scope (malformed, unknown key,
 * tampered, another track's token); 410 for a genuine token past its expiry.
 */
export function verifyToken(options: { keys: SigningKey[]; token: string; scope: string; now: Date; policy?: TokenPolicy }): TokenCheck {
  const { keys, token, scope, now, policy = DEFAULT_TOKEN_POLICY } = options;
  const signed = checkSignature(keys, token, scope);
  return signed.ok ? checkExpiry(signed, now, policy) : signed;
}

/** The one reason for a token that is not ours: unknown key, wrong signature or another track's. */
export const INVALID_TOKEN = 'invalid token for this track';
const UNKNOWN_KEY: SigningKey = { id: 'unknown', secret: randomBytes(32) };

type Genuine = { expires: number; renditions: string };
type SignatureCheck = ({ ok: true } & Genuine) | { ok: false; status: 403; reason: string };

function checkSignature(keys: SigningKey[], token: string, scope: string): SignatureCheck {
  const match = TOKEN.exec(token);
  if (!match) return { ok: false, status: 403, reason: 'malformed token' };
  const [, keyId, expiresText, renditions, signatureText] = match as unknown as [string, string, string, string, string];
  // An unknown key id is refused exactly like a wrong signature, after the same HMAC work (with a
  // key no token can match), so neither the answer nor its timing tells which key ids exist.
  const key = keys.find((candidate) => candidate.id === keyId);
  const expires = Number(expiresText);
  // Compared as text, not decoded: the last of 43 base64url characters carries 2 unused bits, so
  // four spellings decode to the same bytes, and each would be another URL (another CDN cache
  // key) for the same object. Only the canonical spelling is ours.
  const given = Buffer.from(signatureText, 'latin1');
  const expected = Buffer.from(signature(key ?? UNKNOWN_KEY, expires, renditions, scope).toString('base64url'), 'latin1');
  const matches = given.length === expected.length && timingSafeEqual(given, expected);
  if (!key || !matches) return { ok: false, status: 403, reason: INVALID_TOKEN };
  return { ok: true, expires, renditions };
}

function checkExpiry({ expires, renditions }: Genuine, now: Date, policy: TokenPolicy): TokenCheck {
  if (!tokenAccepted(expires, now.getTime(), policy)) return { ok: false, status: 410, reason: 'token expired' };
  return { ok: true, expiresAt: new Date(expires * 1000), renditions };
}

/** Whether a genuine token expiring at `expires` (epoch seconds) is still accepted at `nowMs`. */
export function tokenAccepted(expires: number, nowMs: number, policy: TokenPolicy): boolean {
  return nowMs / 1000 <= expires + policy.skewSeconds;
}

export type TokenVerifier = (token: string, scope: string, now: Date) => TokenCheck;

/**
 * `verifyToken` that remembers signatures it has found genuine. Players and CDNs send the same
 * token for every object of a track, and the HMAC was a tenth of a cached range's CPU. Only
 * genuine signatures are kept (expiry is checked on every call), so made-up tokens cannot fill
 * the memory, and a lookup reveals nothing an answer would not: it hits only for a valid token.
 */
export function createTokenVerifier(keys: SigningKey[], policy: TokenPolicy = DEFAULT_TOKEN_POLICY, maxEntries = 10_000): TokenVerifier {
  const genuine = new Map<string, Genuine>();
  return (token, scope, now) => {
    const id = `${scope} ${token}`;
    let known = genuine.get(id);
    if (known === undefined) {
      const signed = checkSignature(keys, token, scope);
      if (!signed.ok) return signed;
      known = { expires: signed.expires, renditions: signed.renditions };
      if (genuine.size >= maxEntries) genuine.delete(genuine.keys().next().value!);
      genuine.set(id, known);
    }
    return checkExpiry(known, now, policy);
  };
}
