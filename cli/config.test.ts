import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DURATION_SECONDS } from '../pipeline/probe.ts';
import { readConfig } from './config.ts';

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    readConfig(env);
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  return 'accepted';
}

describe('readConfig', () => {
  it('has a working default for every setting', () => {
    expect(readConfig({})).toMatchObject({
      storeUrl: 'file://./data/objects',
      catalogPath: resolve('./data/catalog.db'),
      maxDurationSeconds: DEFAULT_MAX_DURATION_SECONDS,
      logLevel: null,
    });
  });

  it('refuses a bad CADENCE_MAX_DURATION instead of using the default', () => {
    expect(refusal({ CADENCE_MAX_DURATION: 'four hours' })).toBe('BAD_CONFIG: CADENCE_MAX_DURATION="four hours": expected a number of seconds from 1 to 604800');
    expect(refusal({ CADENCE_MAX_DURATION: '0' })).toMatch(/^BAD_CONFIG: CADENCE_MAX_DURATION="0"/);
    expect(readConfig({ CADENCE_MAX_DURATION: '90.5' }).maxDurationSeconds).toBe(90.5);
  });

  it('refuses an unknown LOG_LEVEL and a store URL it cannot use', () => {
    expect(refusal({ LOG_LEVEL: 'verbose' })).toBe('BAD_CONFIG: LOG_LEVEL="verbose": expected one of fatal, error, warn, info, debug, trace, silent');
    expect(refusal({ CADENCE_STORE: 'ftp://host/x' })).toMatch(/^BAD_CONFIG: CADENCE_STORE="ftp:\/\/host\/x": invalid object store URL .*unsupported scheme/);
    expect(readConfig({ LOG_LEVEL: 'debug', CADENCE_STORE: 's3://bucket/prefix' })).toMatchObject({ logLevel: 'debug', storeUrl: 's3://bucket/prefix' });
  });
});

describe('readConfig: S3 settings', () => {
  it('reads them once, at start, and refuses a bad CADENCE_S3_MAX_ATTEMPTS with the others', () => {
    expect(readConfig({ AWS_REGION: 'eu-west-1', CADENCE_S3_MAX_ATTEMPTS: '3' }).s3).toEqual({ region: 'eu-west-1', maxAttempts: 3 });
    expect(refusal({ CADENCE_S3_MAX_ATTEMPTS: 'many', LOG_LEVEL: 'loud' })).toBe(
      'BAD_CONFIG: 2 settings refused\n  LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent\n  CADENCE_S3_MAX_ATTEMPTS must be an integer from 1 to 20, got "many"',
    );
  });
});
