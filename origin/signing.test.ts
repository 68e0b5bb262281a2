import { describe, expect, it } from 'vitest';
import { createTokenVerifier, DEFAULT_TOKEN_POLICY, issueToken, parseSigningKeys, tokenScope, verifyToken } from './signing.ts';

const KEYS = parseSigningKeys('k2:second-secret-0123456789,k1:first-secret-0123456789');
const SCOPE = tokenScope('GBAYE2600001', '0123456789abcdef0123');
const OTHER_SCOPE = tokenScope('GBAYE2600002', '0123456789abcdef0123');
const ISSUED_AT = new Date('2026-11-21T10:15:00Z');
const { token, expiresAt } = issueToken({ keys: KEYS, scope: SCOPE, renditions: '3', now: ISSUED_AT });
const afterExpiry = new Date(expiresAt.getTime() + (DEFAULT_TOKEN_POLICY.skewSeconds + 1) * 1000);

function tamper(value: string): string {
  const last = value.at(-2) === 'A' ? 'B' : 'A';
  return `${value.slice(0, -2)}${last}${value.at(-1)}`;
}

describe('verifyToken', () => {
  it('accepts its own token until expiry plus skew, then answers 410', () => {
    expect(verifyToken({ keys: KEYS, token, scope: SCOPE, now: ISSUED_AT })).toEqual({ ok: true, expiresAt, renditions: '3' });
    expect(verifyToken({ keys: KEYS, token, scope: SCOPE, now: afterExpiry })).toMatchObject({ ok: false, status: 410 });
  });

  it('refuses the other spellings of its signature (the last character carries 2 unused bits)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1)!);
    const group = last - (last % 4);
    const spellings = [0, 1, 2, 3].map((i) => `${token.slice(0, -1)}${alphabet[group + i]}`).filter((spelling) => spelling !== token);
    for (const spelling of spellings) {
      expect(Buffer.from(spelling.split('.')[3]!, 'base64url')).toEqual(Buffer.from(token.split('.')[3]!, 'base64url'));
      expect(verifyToken({ keys: KEYS, token: spelling, scope: SCOPE, now: ISSUED_AT }), spelling).toMatchObject({ ok: false, status: 403 });
    }
  });

  it('refuses other scopes, tampered signatures and unknown keys with 403', () => {
    expect(verifyToken({ keys: KEYS, token, scope: OTHER_SCOPE, now: ISSUED_AT })).toMatchObject({ ok: false, status: 403 });
    expect(verifyToken({ keys: KEYS, token: tamper(token), scope: SCOPE, now: ISSUED_AT })).toMatchObject({ ok: false, status: 403 });
    expect(verifyToken({ keys: KEYS.slice(1), token, scope: SCOPE, now: ISSUED_AT })).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses an unknown key id exactly as a wrong signature, so refusals do not reveal which key ids exist', () => {
    const unknownKey = verifyToken({ keys: KEYS.slice(1), token, scope: SCOPE, now: ISSUED_AT });
    const wrongSignature = verifyToken({ keys: KEYS, token: tamper(token), scope: SCOPE, now: ISSUED_AT });
    const otherTrack = verifyToken({ keys: KEYS, token, scope: OTHER_SCOPE, now: ISSUED_AT });
    expect(unknownKey).toEqual(wrongSignature);
    expect(otherTrack).toEqual(wrongSignature);
    expect(JSON.stringify(unknownKey)).not.toMatch(/key/i);
  });
});

describe('parseSigningKeys', () => {
  const refusal = (value: string): string => {
    try {
      parseSigningKeys(value);
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };

  it('quotes the key id as written, never a piece of the secret', () => {
    expect(refusal('bad id!:0123456789abcdef')).toBe('signing key id "bad id!" must be 1-32 of A-Z a-z 0-9 _ -');
    expect(refusal('k1:short')).toBe('signing key "k1": the secret must be at least 16 characters');
    const noColon = refusal('secretwithoutanykeyid0123456789');
    expect(noColon).toMatch(/no "kid:"/);
    expect(noColon).not.toContain('secretwithout');
    expect(refusal(':0123456789abcdef0')).toBe('signing key id "" must be 1-32 of A-Z a-z 0-9 _ -');
  });

  it('signs the rendition set: a free token widened to another set by hand is refused', () => {
    const [kid, expires, , signature] = token.split('.');
    for (const widened of ['7', 'f', 'b']) {
      expect(verifyToken({ keys: KEYS, token: `${kid}.${expires}.${widened}.${signature}`, scope: SCOPE, now: ISSUED_AT })).toMatchObject({ ok: false, status: 403 });
    }
    // Tokens of the old format (no rendition set) opened every rendition: they are not accepted.
    expect(verifyToken({ keys: KEYS, token: `${kid}.${expires}.${signature}`, scope: SCOPE, now: ISSUED_AT })).toMatchObject({ ok: false, status: 403 });
    expect(() => issueToken({ keys: KEYS, scope: SCOPE, renditions: '0', now: ISSUED_AT })).toThrow(/rendition set/);
  });
});

describe('createTokenVerifier', () => {
  it('answers exactly as verifyToken does, before and after it has remembered a genuine token', () => {
    const verify = createTokenVerifier(KEYS);
    const cases: Array<[string, string, Date]> = [
      [token, SCOPE, ISSUED_AT],
      [token, SCOPE, ISSUED_AT],
      [token, OTHER_SCOPE, ISSUED_AT],
      [tamper(token), SCOPE, ISSUED_AT],
      [token.replace('.3.', '.f.'), SCOPE, ISSUED_AT],
      [token, SCOPE, afterExpiry],
      ['not-a-token', SCOPE, ISSUED_AT],
    ];
    for (const [candidate, scope, now] of cases) {
      expect(verify(candidate, scope, now), `${candidate} ${scope} ${now.toISOString()}`).toEqual(verifyToken({ keys: KEYS, token: candidate, scope, now }));
    }
  });

  it('keeps at most maxEntries tokens and still verifies the ones it dropped', () => {
    const verify = createTokenVerifier(KEYS, DEFAULT_TOKEN_POLICY, 2);
    const scopes = ['GBAYE2600001', 'GBAYE2600002', 'GBAYE2600003'].map((isrc) => tokenScope(isrc, '0123456789abcdef0123'));
    const tokens = scopes.map((scope) => issueToken({ keys: KEYS, scope, renditions: 'f', now: ISSUED_AT }).token);
    for (const round of [1, 2]) {
      scopes.forEach((scope, i) => expect(verify(tokens[i]!, scope, ISSUED_AT).ok, `round ${round}, token ${i}`).toBe(true));
    }
  });
});
