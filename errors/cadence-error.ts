// One error type for the whole project. The CLI prints `code: message`; the origin maps codes to
// HTTP statuses in one place. A leaf module so every folder may import it.

export type ErrorCode =
  | 'BAD_MASTER' // the master file is not a supported lossless master
  | 'BAD_INPUT' // a command-line argument or option is wrong
  | 'OUTPUT_EXISTS' // refusing to overwrite a non-empty output folder
  | 'MEDIA' // a box structure or encoded stream is not what we expect
  | 'FFMPEG' // ffmpeg or ffprobe failed
  | 'ABORTED' // the operation was cancelled
  | 'BAD_DELIVERY' // the delivery file is malformed or inconsistent
  | 'STORAGE' // the object store failed (after retries)
  | 'NOT_FOUND' // no such object, track or version
  | 'CONFLICT' // an immutable object exists with different content
  | 'CATALOG' // the SQLite catalog failed or is inconsistent
  | 'BAD_CONFIG' // a setting (environment variable) is not a value it accepts
  | 'ADDRESS_IN_USE' // the origin cannot listen: another process holds the host and port
  | 'CDN' // the CDN purge hook (CADENCE_CDN_PURGE_COMMAND) failed; the change itself stands
  | 'AUTH' // the identity provider's keys (JWKS) could not be fetched or read
  | 'LISTENERS' // the listener store (resume positions: SQLite or Redis) failed
  | 'QUEUE'; // the job queue (Redis, CADENCE_QUEUE) is unreachable or refused a command

export class CadenceError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CadenceError';
    this.code = code;
  }
}

/** A malformed or unexpected MP4 structure. */
export class MediaError extends CadenceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MEDIA', message, options);
    this.name = 'MediaError';
  }
}

export function isCadenceError(error: unknown): error is CadenceError {
  return error instanceof CadenceError;
}
