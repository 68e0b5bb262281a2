// Listener services for origin tests and benchmarks that are not about listeners: no
// authentication (every request is the one anonymous listener of `tier`), the default tiers,
// positions in memory, no rate limits.

import { noAuthentication, type OpenListenerServices } from './open-listeners.ts';
import { createRateLimits } from './rate-limits.ts';
import { openSqlitePositionStore } from './sqlite-position-store.ts';
import { DEFAULT_TIERS } from './tiers.ts';

export function anonymousListeners(tier = 'hifi'): OpenListenerServices {
  const positions = openSqlitePositionStore(':memory:');
  return {
    authenticate: noAuthentication(tier),
    tiers: DEFAULT_TIERS,
    positions,
    limits: createRateLimits({ settings: {} }),
    close: () => positions.close(),
  };
}
