// Translates AWS SDK failures into CadenceError: missing objects become NOT_FOUND, everything
// that survived the retries becomes STORAGE with the operation, the object and the attempts.

import { CadenceError } from '../errors/cadence-error.ts';
import { abortedError, isAbortError } from './abort.ts';

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

function shape(error: unknown): SdkErrorShape {
  return error && typeof error === 'object' ? (error as SdkErrorShape) : {};
}

export function httpStatusOf(error: unknown): number | undefined {
  return shape(error).$metadata?.httpStatusCode;
}

/** The key is missing (HEAD answers a bare 404, GET says NoSuchKey). A missing bucket is not. */
export function isMissingObject(error: unknown): boolean {
  const { name } = shape(error);
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || httpStatusOf(error) === 404;
}

/** The conditional create (`If-None-Match: *`) found an object, or raced another one. */
export function isCreateConflict(error: unknown): boolean {
  const status = httpStatusOf(error);
  const { name } = shape(error);
  return status === 412 || status === 409 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict';
}

export function toStoreError(operation: string, where: string, error: unknown, signal?: AbortSignal): CadenceError {
  if (error instanceof CadenceError) return error;
  if (isAbortError(error, signal)) return abortedError(`${operation} ${where}`, error);
  const { name, code, message, $metadata } = shape(error);
  if (isMissingObject(error)) return new CadenceError('NOT_FOUND', `${where}: no such object`, { cause: error });
  if (name === 'InvalidRange' || httpStatusOf(error) === 416) {
    return new CadenceError('BAD_INPUT', `${where}: byte range is outside the object`, { cause: error });
  }
  const reason = [name && name !== 'Error' ? name : code, message].filter(Boolean).join(': ') || String(error);
  const attempts = $metadata?.attempts;
  const tries = attempts ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'}` : '';
  return new CadenceError('STORAGE', `S3 ${operation} ${where} failed${tries}: ${reason}`, { cause: error });
}
