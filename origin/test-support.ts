// The origin settings unit tests start from: one signing key, no public URL, no default country,
// a small media cache. Each test overrides what it is about.

import { DEFAULT_TOKEN_POLICY, parseSigningKeys } from './signing.ts';
import type { OriginConfig } from './types.ts';

export const TEST_SIGNING_KEYS = 'k:0123456789abcdef0123456789abcdef';

export function testOriginConfig(overrides: Partial<OriginConfig> = {}): OriginConfig {
  return {
    publicUrl: null,
    signingKeys: parseSigningKeys(TEST_SIGNING_KEYS),
    tokenPolicy: DEFAULT_TOKEN_POLICY,
    countryHeader: 'cloudfront-viewer-country',
    defaultCountry: null,
    manifestMaxAgeSeconds: 300,
    mediaCacheBytes: 1024 * 1024,
    ...overrides,
  };
}
