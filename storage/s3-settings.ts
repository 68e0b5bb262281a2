// S3 settings from the environment, without loading the AWS SDK: the CLI reads them once at start
// (cli/config.ts) with the other settings, and passes them to openObjectStore.

import { CadenceError } from '../errors/cadence-error.ts';
import type { S3ObjectStoreOptions } from './s3-store.ts';

/** S3 settings that come from the environment or the caller, not from the store URL. */
export type S3StoreSettings = Omit<S3ObjectStoreOptions, 'bucket' | 'prefix' | 'logger'>;

/**
 * S3 settings from the standard AWS variables plus CADENCE_S3_MAX_ATTEMPTS. Unset variables are
 * left to the SDK's defaults (region us-east-1, the credential provider chain).
 */
export function s3OptionsFromEnv(env: NodeJS.ProcessEnv): S3StoreSettings {
  const settings: S3StoreSettings = {};
  const region = nonEmpty(env.AWS_REGION);
  if (region) settings.region = region;
  const endpoint = nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  if (endpoint) {
    const name = nonEmpty(env.AWS_ENDPOINT_URL_S3) ? 'AWS_ENDPOINT_URL_S3' : 'AWS_ENDPOINT_URL';
    if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
      throw new CadenceError('BAD_INPUT', `${name}=${JSON.stringify(endpoint)} is not an http(s) URL`);
    }
    settings.endpoint = endpoint;
  }
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId && secretAccessKey) {
    const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
    settings.credentials = { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) };
  }
  const attempts = nonEmpty(env.CADENCE_S3_MAX_ATTEMPTS);
  if (attempts !== undefined) {
    const value = Number(attempts);
    if (!/^\d+$/.test(attempts) || value < 1 || value > 20) {
      throw new CadenceError('BAD_INPUT', `CADENCE_S3_MAX_ATTEMPTS must be an integer from 1 to 20, got ${JSON.stringify(attempts)}`);
    }
    settings.maxAttempts = value;
  }
  return settings;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
