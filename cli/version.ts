// The version `cadence --version` prints: the one in package.json, so there is one place to bump.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function packageVersion(): string {
  return (require('../package.json') as { version: string }).version;
}
