// Answers a GET or HEAD for one immutable object: validators and conditional requests, a single
// byte range, and gzip for small generated manifests. Framework-free (method and headers in, a
// status, plain headers and a body out), so the same code runs under any adapter.

import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { evaluatePreconditions, type HeaderReader, ifRangeAllowsRange, parseRangeHeader, type RangeResult } from './http-range.ts';

/**
 * Bytes in memory: one buffer, or consecutive pieces (cache blocks) written one after the other
 * rather than copied into one (a segment across two 1 MiB blocks would copy ~1 MB per request).
 */
export type HeldBytes = Uint8Array | Uint8Array[];

function heldLength(bytes: HeldBytes): number {
  if (bytes instanceof Uint8Array) return bytes.byteLength;
  let length = 0;
  for (const piece of bytes) length += piece.byteLength;
  return length;
}

/** Inclusive byte positions, as in `Content-Range`. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ServableObject {
  size: number;
  /** Strong and quoted, e.g. `"v1.aac-160"`. */
  etag: string;
  lastModified?: Date;
  contentType: string;
  /** Called only for GET, only with a non-empty range inside the object; reports cache use when it has one. */
  read(range: ByteRange, onCacheResult?: (hit: boolean) => void): Promise<ReadableStream<Uint8Array> | HeldBytes>;
  /** The same bytes when they are already in memory (a cache hit), else undefined. */
  readCached?(range: ByteRange): HeldBytes | undefined;
  /** The whole object gzipped ahead of time (small immutable text): answered without compressing. */
  gzipped?: Uint8Array;
}

export interface RespondOptions {
  /** For this answer: it may depend on more than the object (a signed URL's remaining life). */
  cacheControl: string;
  /** Small text objects (manifests): gzip a full 200 when the client accepts it. */
  compressible?: boolean;
  /** Sent with every answer (e.g. CORS), set here rather than by a middleware rewriting the response. */
  headers?: Record<string, string>;
}

const gzipAsync = promisify(gzip);
const STRONG_ETAG = /^"[\x21\x23-\x7e\x80-\xff]*"$/;
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** The request fields an object answer depends on; a fetch `Request` fits. */
export interface ObjectRequest {
  method: string;
  headers: HeaderReader;
}

/** An answer as plain data: node-listener.ts writes it, and the log reads its length without parsing headers. */
export interface ObjectAnswer {
  status: number;
  headers: Record<string, string>;
  body: ReadableStream<Uint8Array> | HeldBytes | null;
  /** Body bytes as declared by Content-Length (0 for HEAD, 304 and empty answers). */
  bodyBytes: number;
}

/**
 * An answer decided from the request alone: status and headers, and which bytes the body is.
 * Reading them is a separate step, so a caller holding them in memory can answer synchronously.
 */
export interface ObjectPlan {
  status: number;
  headers: Record<string, string>;
  /** The identity bytes to send (gzipped first when `gzip`), or null for an empty body. */
  body: { range: ByteRange; gzip: boolean } | null;
}

export function planObjectAnswer(request: ObjectRequest, object: ServableObject, { cacheControl, compressible = false, headers: extra }: RespondOptions): ObjectPlan {
  const { method, headers } = request;
  if (method !== 'GET' && method !== 'HEAD') {
    return { status: 405, headers: { Allow: 'GET, HEAD', 'Content-Length': '0', 'Cache-Control': 'no-store' }, body: null };
  }
  // Our own bugs, not the client's input: fail loudly rather than send wrong validators or lengths.
  if (!Number.isSafeInteger(object.size) || object.size < 0) throw new TypeError(`object size ${object.size} is not a byte count`);
  if (!STRONG_ETAG.test(object.etag)) throw new TypeError(`object etag ${object.etag} is not a strong quoted entity tag`);

  const { size, lastModified } = object;
  // Range is defined for GET only; RFC 9110 §14.2 says any other method (HEAD included) ignores it.
  const range: RangeResult = method === 'GET' ? parseRangeHeader(headers.get('range'), size) : { kind: 'none' };
  const ranged = (range.kind === 'single' || range.kind === 'unsatisfiable') && ifRangeAllowsRange(headers.get('if-range'), object.etag, lastModified);
  // Never a compressed 206: ranges always address the identity bytes.
  const gzipped = compressible && !ranged && size > 0 && acceptsGzip(headers.get('accept-encoding'));
  // Each encoding is its own representation, so it has its own validator.
  const etag = gzipped ? gzipEtagOf(object.etag) : object.etag;

  // One object, filled in as the answer takes shape (this runs for every media request).
  const fields: Record<string, string> = extra ? Object.assign({}, extra) : {};
  fields.ETag = etag;
  fields['Cache-Control'] = cacheControl;
  if (lastModified) fields['Last-Modified'] = lastModified.toUTCString();
  if (compressible) fields.Vary = 'Accept-Encoding';

  switch (evaluatePreconditions({ method, headers, etag, lastModified })) {
    case 'not-modified':
      // 304 carries the validators and caching fields of the 200 it stands for, and nothing else.
      return { status: 304, headers: fields, body: null };
    case 'precondition-failed':
      fields['Accept-Ranges'] = 'bytes';
      return emptyPlan(412, fields);
    case 'proceed':
      break;
  }

  fields['Accept-Ranges'] = 'bytes';
  if (ranged && range.kind === 'unsatisfiable') {
    fields['Content-Range'] = `bytes */${size}`;
    return emptyPlan(416, fields);
  }

  fields['Content-Type'] = object.contentType;
  if (ranged && range.kind === 'single') {
    const { start, end } = range;
    fields['Content-Range'] = `bytes ${start}-${end}/${size}`;
    fields['Content-Length'] = String(end - start + 1);
    return { status: 206, headers: fields, body: { range: { start, end }, gzip: false } };
  }

  if (gzipped) {
    fields['Content-Encoding'] = 'gzip';
    if (object.gzipped) fields['Content-Length'] = String(object.gzipped.byteLength);
    // HEAD may omit a length known only by generating the content (RFC 9110 §9.3.2); we never read for HEAD.
    return { status: 200, headers: fields, body: method === 'HEAD' ? null : { range: { start: 0, end: size - 1 }, gzip: true } };
  }

  fields['Content-Length'] = String(size);
  const empty = method === 'HEAD' || size === 0;
  return { status: 200, headers: fields, body: empty ? null : { range: { start: 0, end: size - 1 }, gzip: false } };
}

/** Reads (and gzips) the planned body. */
export async function completeAnswer(plan: ObjectPlan, object: ServableObject, onCacheResult?: (hit: boolean) => void): Promise<ObjectAnswer> {
  const { status, headers, body } = plan;
  if (!body) return { status, headers, body: null, bodyBytes: 0 };
  if (body.gzip && object.gzipped) return { status, headers, body: object.gzipped, bodyBytes: object.gzipped.byteLength };
  const bytes = await readExactly(object, body.range, onCacheResult);
  if (!body.gzip) return { status, headers, body: bytes, bodyBytes: rangeLength(body.range) };
  const encoded = await gzipAsync(await collect(bytes));
  headers['Content-Length'] = String(encoded.byteLength);
  return { status, headers, body: encoded, bodyBytes: encoded.byteLength };
}

/** The planned answer right now, when its body is empty or already in memory; else undefined. */
export function completeAnswerFromMemory(plan: ObjectPlan, object: ServableObject): ObjectAnswer | undefined {
  const { status, headers, body } = plan;
  if (!body) return { status, headers, body: null, bodyBytes: 0 };
  if (body.gzip) return object.gzipped ? { status, headers, body: object.gzipped, bodyBytes: object.gzipped.byteLength } : undefined;
  const bytes = object.readCached?.(body.range);
  if (!bytes) return undefined;
  return { status, headers, body: checkLength(bytes, body.range), bodyBytes: rangeLength(body.range) };
}

/** The validator of the gzip representation: `"abc"` becomes `"abc-gz"`. */
export function gzipEtagOf(etag: string): string {
  return `${etag.slice(0, -1)}-gz"`;
}

/** An error status with no body; never cached, since it depends on request headers a CDN may not key on. */
function emptyPlan(status: number, headers: Record<string, string>): ObjectPlan {
  headers['Content-Length'] = '0';
  headers['Cache-Control'] = 'no-store';
  return { status, headers, body: null };
}

function rangeLength({ start, end }: ByteRange): number {
  return end - start + 1;
}

/** Reads a range, checking an in-memory answer against the Content-Length we are about to send. */
async function readExactly(object: ServableObject, range: ByteRange, onCacheResult?: (hit: boolean) => void): Promise<ReadableStream<Uint8Array> | HeldBytes> {
  const body = await object.read(range, onCacheResult);
  return isHeld(body) ? checkLength(body, range) : body;
}

function isHeld(body: ReadableStream<Uint8Array> | HeldBytes): body is HeldBytes {
  return body instanceof Uint8Array || Array.isArray(body);
}

function checkLength(bytes: HeldBytes, range: ByteRange): HeldBytes {
  const length = heldLength(bytes);
  if (length !== rangeLength(range)) {
    throw new Error(`object read of bytes ${range.start}-${range.end} returned ${length} bytes, expected ${rangeLength(range)}`);
  }
  return bytes;
}

async function collect(body: ReadableStream<Uint8Array> | HeldBytes): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  if (Array.isArray(body)) return Buffer.concat(body);
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Whether `Accept-Encoding` admits gzip with a non-zero weight (explicitly, as x-gzip, or through
 * `*`). No header means identity: RFC 9110 would allow any coding, but clients that send nothing
 * are usually tools that cannot decode it.
 */
export function acceptsGzip(value: string | null): boolean {
  if (value === null) return false;
  let gzipWeight: number | null = null;
  let anyWeight: number | null = null;
  for (const member of value.split(',')) {
    const [coding = '', ...parameters] = member.split(';').map((part) => part.trim());
    const weight = qualityOf(parameters);
    if (weight === null) continue;
    const name = coding.toLowerCase();
    if (name === 'gzip' || name === 'x-gzip') gzipWeight = Math.max(gzipWeight ?? 0, weight);
    else if (name === '*') anyWeight = weight;
  }
  return (gzipWeight ?? anyWeight ?? 0) > 0;
}

/** The `q` weight of a member (1 when absent), or null when malformed so the member is skipped. */
function qualityOf(parameters: string[]): number | null {
  for (const parameter of parameters) {
    const equals = parameter.indexOf('=');
    if (equals < 0 || parameter.slice(0, equals).trim().toLowerCase() !== 'q') continue;
    const value = parameter.slice(equals + 1).trim();
    return QVALUE.test(value) ? Number(value) : null;
  }
  return 1;
}
