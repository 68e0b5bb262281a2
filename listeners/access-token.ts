// Access tokens: JWTs from the service's identity provider, verified with jose against its JWKS.
// What is checked, in order: the `Authorization: Bearer` header; the header's `alg` against an
// allow-list of asymmetric algorithms (so `none` and HS256 signed with a public key never reach a
// key); the signature with the key its `kid` names (keys cached; an unknown kid refetches the
// JWKS, at most once per cooldown); `iss`, `aud`, `exp` (required) and `nbf` with a small skew;
// then our claims: the listener id, a tier from the tier table (unknown: refused, never widened)
// and an optional country. Refusals never say which key ids exist.

import { createLocalJWKSet, createRemoteJWKSet, errors, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { CadenceError } from '../errors/cadence-error.ts';
import type { AuthRefusal, AuthResult, Authenticator, ListenerClaims, TierTable } from './types.ts';

/** Asymmetric JWS algorithms only: a verifier holding public keys must never accept an HMAC. */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

export const DEFAULT_CLAIMS: ListenerClaims = { listener: 'sub', tier: 'tier', country: 'country' };

/** Where the verification keys come from. */
export type KeySource =
  /** The identity provider's JWKS over HTTP(S). */
  | { jwksUrl: string; cooldownMs?: number; cacheMaxAgeMs?: number; timeoutMs?: number }
  /** Keys held locally (the embedded identity provider's public key). */
  | { jwks: JSONWebKeySet };

export interface AccessTokenOptions {
  keys: KeySource;
  issuer: string;
  audience: string;
  /** A subset of ASYMMETRIC_ALGORITHMS. */
  algorithms?: readonly string[];
  /** Accepted clock difference for exp/nbf, seconds. */
  clockSkewSeconds?: number;
  claims?: ListenerClaims;
  tiers: TierTable;
}

// Tokens are a few hundred bytes to a few KB; anything much larger is not worth parsing.
const MAX_TOKEN_CHARS = 8192;
const COUNTRY = /^[A-Z]{2}$/;

/** jose failures that say the token is bad (401), as opposed to the key source failing (503). */
const TOKEN_FAULTS = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);

const refuse = (status: 401 | 403, error: string, message: string): AuthResult => ({ ok: false, refusal: { status, error, message } });

export function createAccessTokenVerifier(options: AccessTokenOptions): Authenticator {
  const { keys, issuer, audience, tiers, algorithms = ASYMMETRIC_ALGORITHMS, clockSkewSeconds = 30, claims = DEFAULT_CLAIMS } = options;
  const unsafe = algorithms.filter((alg) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg));
  if (unsafe.length > 0 || algorithms.length === 0) {
    throw new CadenceError('BAD_INPUT', `access token algorithms must be a non-empty subset of ${ASYMMETRIC_ALGORITHMS.join(', ')} (got ${unsafe.join(', ') || 'none'})`);
  }
  const keySet: JWTVerifyGetKey =
    'jwksUrl' in keys
      ? createRemoteJWKSet(new URL(keys.jwksUrl), { cooldownDuration: keys.cooldownMs ?? 30_000, cacheMaxAge: keys.cacheMaxAgeMs ?? 600_000, timeoutDuration: keys.timeoutMs ?? 5_000 })
      : createLocalJWKSet(keys.jwks);

  return async (authorization) => {
    const token = bearerToken(authorization);
    if (token === null) return refuse(401, 'unauthorized', 'an access token is required: Authorization: Bearer <token>');
    if (token.length > MAX_TOKEN_CHARS) return refuse(401, 'invalid_token', 'invalid access token');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        issuer,
        audience,
        algorithms: [...algorithms],
        clockTolerance: clockSkewSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      const refusal = tokenRefusal(error);
      if (refusal) return { ok: false, refusal };
      throw new CadenceError('AUTH', 'the identity provider\'s keys could not be read', { cause: error });
    }
    const id = payload[claims.listener];
    if (typeof id !== 'string' || id.length === 0 || id.length > 256) return refuse(401, 'invalid_token', `access token has no listener id (claim ${claims.listener})`);
    const tier = payload[claims.tier];
    if (typeof tier !== 'string' || !tiers.has(tier)) {
      return refuse(403, 'tier_not_allowed', typeof tier === 'string' ? `tier ${JSON.stringify(tier.slice(0, 64))} is not offered here` : `access token names no tier (claim ${claims.tier})`);
    }
    const countryClaim = payload[claims.country];
    if (countryClaim !== undefined && (typeof countryClaim !== 'string' || !COUNTRY.test(countryClaim.toUpperCase()))) {
      return refuse(403, 'bad_country', `access token country (claim ${claims.country}) must be an ISO 3166-1 alpha-2 code`);
    }
    return { ok: true, listener: { id, tier, country: typeof countryClaim === 'string' ? countryClaim.toUpperCase() : null } };
  };
}

/** The token of `Bearer <token>` (scheme case-insensitive, RFC 6750 §2.1), or null. */
export function bearerToken(authorization: string | undefined): string | null {
  const match = authorization ? /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization) : null;
  return match ? match[1]! : null;
}

/** A generic message for anything about keys or signatures: which kids exist is not ours to tell. */
function tokenRefusal(error: unknown): AuthRefusal | null {
  if (!(error instanceof errors.JOSEError) || !TOKEN_FAULTS.has(error.code)) return null;
  if (error instanceof errors.JWTExpired) return { status: 401, error: 'invalid_token', message: 'access token expired' };
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return { status: 401, error: 'invalid_token', message: 'access token not yet valid' };
    if (error.claim === 'iss' || error.claim === 'aud') return { status: 401, error: 'invalid_token', message: 'access token is not for this service' };
  }
  return { status: 401, error: 'invalid_token', message: 'invalid access token' };
}

/** The `WWW-Authenticate` value for a refusal (RFC 6750 §3): no error code when no token was sent. */
export function wwwAuthenticate(refusal: AuthRefusal): string {
  if (refusal.error === 'unauthorized') return 'Bearer realm="cadence"';
  const code = refusal.status === 403 ? 'insufficient_scope' : 'invalid_token';
  return `Bearer realm="cadence", error="${code}", error_description="${refusal.message.replace(/["\\]/g, "'")}"`;
}
