// The settings the processes of a many-node e2e suite share: one folder store and signing key, a
// catalog file per node, the suite's listener tokens, the journal polled every 200 ms, and no rate
// limits (the suites poll grants many times a second while they wait; that is not what limits are
// for). Each suite overrides what it is about.

import { join } from 'node:path';
import { testAuthEnv } from './listener-tokens.ts';

export const NODE_SIGNING_KEYS = 'node:shared-secret-0123456789abcdef';

export function nodeEnv(scratch: string, catalog: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    CADENCE_STORE: `file://${join(scratch, 'objects')}`,
    CADENCE_CATALOG: join(scratch, catalog),
    CADENCE_SIGNING_KEYS: NODE_SIGNING_KEYS,
    CADENCE_JOURNAL_POLL_MS: '200',
    ...testAuthEnv(),
    CADENCE_RATE_LIMITS: 'off',
    ...overrides,
  };
}
