// Access tokens against a real JWKS endpoint on loopback (test/helpers/jwks-server.ts): every
// kind of bad token is a 401 (never naming key ids), a valid one yields its listener, and a key
// rotated mid-test is picked up by refetching on the unknown kid.

import { createHmac, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCadenceError } from '../errors/cadence-error.ts';
import { type JwksServer, makeSigningKey, signTestToken, startJwksServer, type TestSigningKey } from '../test/helpers/jwks-server.ts';
import { createAccessTokenVerifier, wwwAuthenticate } from './access-token.ts';
import { DEFAULT_TIERS } from './tiers.ts';
import type { AuthRefusal, Authenticator, AuthResult } from './types.ts';

const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'cadence-api';
let first: TestSigningKey;
let second: TestSigningKey;
let stranger: TestSigningKey;
let jwks: JwksServer;
let verify: Authenticator;

beforeAll(async () => {
  [first, second, stranger] = await Promise.all([makeSigningKey('key-2026-a', 'RS256'), makeSigningKey('key-2026-b', 'ES256'), makeSigningKey('key-2026-a', 'RS256')]);
  jwks = await startJwksServer([first]);
  verify = createAccessTokenVerifier({ keys: { jwksUrl: jwks.url, cooldownMs: 0 }, issuer: ISSUER, audience: AUDIENCE, tiers: DEFAULT_TIERS, clockSkewSeconds: 5 });
});
afterAll(async () => {
  await jwks?.close();
});

const valid = { issuer: ISSUER, audience: AUDIENCE, sub: 'listener-1', tier: 'premium', country: 'se' };
const bearer = (token: string): string => `Bearer ${token}`;
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function refusal(result: AuthResult): AuthRefusal {
  if (result.ok) throw new Error(`expected a refusal, got listener ${JSON.stringify(result.listener)}`);
  return result.refusal;
}

describe('access tokens verified against a JWKS on loopback', () => {
  it('accepts a valid token and reads listener id, tier and country', async () => {
    const result = await verify(bearer(await signTestToken(first, valid)));
    expect(result).toEqual({ ok: true, listener: { id: 'listener-1', tier: 'premium', country: 'SE' } });
  });

  it('answers 401 for a missing header, another scheme, or garbage', async () => {
    for (const header of [undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not.a.jwt', `Bearer ${'a'.repeat(9000)}`]) {
      const { status } = refusal(await verify(header));
      expect(status, String(header).slice(0, 20)).toBe(401);
    }
    expect(wwwAuthenticate(refusal(await verify(undefined)))).toBe('Bearer realm="cadence"');
  });

  it('answers 401 for expired, not-yet-valid, wrong-audience and wrong-issuer tokens', async () => {
    const cases = {
      expired: { ...valid, expiresIn: -60 },
      notYetValid: { ...valid, notBefore: 120 },
      wrongAudience: { ...valid, audience: 'another-service' },
      wrongIssuer: { ...valid, issuer: 'https://evil.example.test/' },
    };
    for (const [name, claims] of Object.entries(cases)) {
      const answer = refusal(await verify(bearer(await signTestToken(first, claims))));
      expect(answer.status, name).toBe(401);
      expect(wwwAuthenticate(answer), name).toMatch(/^Bearer realm="cadence", error="invalid_token"/);
    }
    // Within the configured skew an expiry of 3 s ago still passes.
    expect((await verify(bearer(await signTestToken(first, { ...valid, expiresIn: -3 })))).ok).toBe(true);
  });

  it('refuses alg none, HS256 signed with the public key, tampered payloads and unknown keys, without naming key ids', async () => {
    const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'listener-1', tier: 'hifi', exp: Math.floor(Date.now() / 1000) + 300 };
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
    const noneWithKid = `${b64({ alg: 'none', kid: first.kid })}.${b64(payload)}.`;
    // The classic confusion: HMAC keyed with the verifier's public key (as PEM and as JWK JSON).
    const pem = createPublicKey({ key: first.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const hsSigned = (secret: string | Buffer): string => {
      const input = `${b64({ alg: 'HS256', kid: first.kid, typ: 'JWT' })}.${b64(payload)}`;
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    };
    const genuine = await signTestToken(first, { ...valid, tier: 'free' });
    const [header, , signature] = genuine.split('.');
    const tampered = `${header}.${b64({ ...payload, tier: 'hifi' })}.${signature}`;
    const flippedSignature = `${genuine.slice(0, -4)}${genuine.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const unknownKey = await signTestToken(await makeSigningKey('key-nobody-knows', 'ES256'), valid);
    const sameKidOtherKey = await signTestToken(stranger, valid);
    const cases = { none, noneWithKid, hsPem: hsSigned(pem), hsJwk: hsSigned(JSON.stringify(first.publicJwk)), tampered, flippedSignature, unknownKey, sameKidOtherKey };
    for (const [name, token] of Object.entries(cases)) {
      const answer = refusal(await verify(bearer(token)));
      expect(answer.status, name).toBe(401);
      expect(answer.message, name).not.toMatch(/key-/);
      expect(wwwAuthenticate(answer), name).not.toMatch(/key-/);
    }
  });

  it('refuses an unknown or missing tier with 403 (never widened), and a token without a listener id with 401', async () => {
    expect(refusal(await verify(bearer(await signTestToken(first, { ...valid, tier: 'platinum' }))))).toMatchObject({ status: 403, error: 'tier_not_allowed' });
    expect(refusal(await verify(bearer(await signTestToken(first, { ...valid, tier: undefined }))))).toMatchObject({ status: 403, error: 'tier_not_allowed' });
    expect(refusal(await verify(bearer(await signTestToken(first, { ...valid, country: 'Sweden' }))))).toMatchObject({ status: 403, error: 'bad_country' });
    expect(refusal(await verify(bearer(await signTestToken(first, { ...valid, sub: undefined }))))).toMatchObject({ status: 401 });
    expect(wwwAuthenticate(refusal(await verify(bearer(await signTestToken(first, { ...valid, tier: 'platinum' })))))).toMatch(/error="insufficient_scope"/);
  });

  it('picks up a rotated key by refetching the JWKS on its unknown kid; the retired key then fails', async () => {
    expect((await verify(bearer(await signTestToken(first, valid)))).ok).toBe(true);
    const before = jwks.fetches();
    // Cached: verifying again does not fetch.
    expect((await verify(bearer(await signTestToken(first, valid)))).ok).toBe(true);
    expect(jwks.fetches()).toBe(before);
    jwks.serve([second]);
    expect(await verify(bearer(await signTestToken(second, { ...valid, sub: 'listener-2', tier: 'hifi', country: undefined })))).toEqual({
      ok: true,
      listener: { id: 'listener-2', tier: 'hifi', country: null },
    });
    expect(jwks.fetches()).toBe(before + 1);
    expect(refusal(await verify(bearer(await signTestToken(first, valid)))).status).toBe(401);
    jwks.serve([first, second]);
  });

  it('fails with AUTH (a 503, not a 401) when the identity provider cannot be reached', async () => {
    const down = await startJwksServer([first]);
    const url = down.url;
    await down.close();
    const unreachable = createAccessTokenVerifier({ keys: { jwksUrl: url, timeoutMs: 1000 }, issuer: ISSUER, audience: AUDIENCE, tiers: DEFAULT_TIERS });
    const error = await unreachable(bearer(await signTestToken(first, valid))).then(() => null, (caught: unknown) => caught);
    expect(isCadenceError(error) && error.code).toBe('AUTH');
  });

  it('refuses to be configured with symmetric or unsigned algorithms', () => {
    for (const algorithms of [['HS256'], ['none'], ['ES256', 'HS512'], []]) {
      expect(() => createAccessTokenVerifier({ keys: { jwks: { keys: [] } }, issuer: ISSUER, audience: AUDIENCE, tiers: DEFAULT_TIERS, algorithms })).toThrow(/subset/);
    }
  });
});
