// Pure HTTP semantics for serving immutable objects (RFC 9110): the Range header (§14.2), the
// conditional headers (§13.1) and their order of evaluation (§13.2.2). No I/O, no hono.
//
// Every number read from a header is checked before use: digit strings are compared as strings and
// converted only when they have at most 15 significant digits (exact in a double), so a value like
// 18446744073709551615 can neither overflow nor turn into NaN.

export type RangeResult =
  | { kind: 'none' }
  | { kind: 'single'; start: number; end: number }
  | { kind: 'unsatisfiable' }
  | { kind: 'ignored'; reason: RangeIgnoredReason };

export type RangeIgnoredReason = 'empty' | 'unknown-unit' | 'malformed' | 'multiple-ranges';

export type PreconditionResult = 'proceed' | 'not-modified' | 'precondition-failed';

/** Reads one request header (`Headers` fits); null when absent. */
export interface HeaderReader {
  get(name: string): string | null;
}

export interface PreconditionInput {
  method: string;
  headers: HeaderReader;
  /** The selected representation's strong, quoted entity tag. */
  etag: string;
  lastModified?: Date;
}

/** Digits beyond this are larger than any object we could hold (and than 2^53 needs). */
const MAX_SAFE_DIGITS = 15;

const RANGE_SPEC = /^(\d*)-(\d*)$/;
/**
 * What players and CDNs send nearly every time, `bytes=a-b` or `bytes=a-`, with positions short
 * enough to be exact in a double: read in one match, without the general list parsing.
 */
const PLAIN_RANGE = /^bytes=(\d{1,15})-(\d{0,15})$/;

/**
 * Parses a `Range` header against a representation of `size` bytes. Only one byte range is served:
 * a request for several is `ignored` (answered 200 with the whole object, which RFC 9110 §14.2
 * allows), so a client can never make us assemble hundreds of overlapping parts.
 */
export function parseRangeHeader(value: string | null | undefined, size: number): RangeResult {
  if (value === undefined || value === null) return { kind: 'none' };
  const plain = PLAIN_RANGE.exec(value);
  if (plain) return intRange(Number(plain[1]), plain[2] === '' ? null : Number(plain[2]), size);
  const text = value.trim();
  if (text === '') return { kind: 'ignored', reason: 'empty' };

  const equals = text.indexOf('=');
  if (equals < 1) return { kind: 'ignored', reason: 'malformed' };
  // Range unit names are case-insensitive (§14.1).
  if (text.slice(0, equals).toLowerCase() !== 'bytes') return { kind: 'ignored', reason: 'unknown-unit' };

  // List syntax (§5.6.1): recipients accept empty elements and whitespace around commas.
  const specs = text
    .slice(equals + 1)
    .split(',')
    .map((spec) => spec.trim())
    .filter((spec) => spec !== '');
  if (specs.length === 0) return { kind: 'ignored', reason: 'malformed' };
  if (specs.length > 1) return { kind: 'ignored', reason: 'multiple-ranges' };

  const match = RANGE_SPEC.exec(specs[0]!);
  if (!match) return { kind: 'ignored', reason: 'malformed' };
  const first = stripZeros(match[1]!);
  const last = stripZeros(match[2]!);

  if (first === null) {
    // suffix-range `-n`: the last n bytes; a zero-length suffix can never be satisfied.
    if (last === null) return { kind: 'ignored', reason: 'malformed' };
    const suffix = toBoundedNumber(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'single', start: Math.max(0, size - suffix), end: size - 1 };
  }

  // Compared as digits: two positions past 15 digits are both Infinity once bounded.
  if (last !== null && compareDigits(last, first) < 0) return { kind: 'ignored', reason: 'malformed' };
  return intRange(toBoundedNumber(first), last === null ? null : toBoundedNumber(last), size);
}

/** An int-range `first-last` (last null when open) against `size` bytes. */
function intRange(first: number, last: number | null, size: number): RangeResult {
  // An invalid one (last < first) makes the whole header invalid, hence ignored.
  if (last !== null && last < first) return { kind: 'ignored', reason: 'malformed' };
  if (first >= size) return { kind: 'unsatisfiable' };
  // A last-byte-pos at or past the end means "to the end" (§14.1.2).
  return { kind: 'single', start: first, end: last === null ? size - 1 : Math.min(last, size - 1) };
}

/**
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since in the order of
 * RFC 9110 §13.2.2. If-Range is separate (see `ifRangeAllowsRange`): it never fails a request.
 */
export function evaluatePreconditions({ method, headers, etag, lastModified }: PreconditionInput): PreconditionResult {
  const readOnly = method === 'GET' || method === 'HEAD';
  const lastModifiedSeconds = lastModified ? wholeSeconds(lastModified) : null;

  const ifMatch = headers.get('if-match');
  if (ifMatch !== null) {
    if (!matchesAny(ifMatch, etag, strongMatch)) return 'precondition-failed';
  } else {
    const since = parseHttpDate(headers.get('if-unmodified-since'));
    if (since !== null && lastModifiedSeconds !== null && lastModifiedSeconds > since) return 'precondition-failed';
  }

  const ifNoneMatch = headers.get('if-none-match');
  if (ifNoneMatch !== null) {
    if (matchesAny(ifNoneMatch, etag, weakMatch)) return readOnly ? 'not-modified' : 'precondition-failed';
  } else if (readOnly) {
    const since = parseHttpDate(headers.get('if-modified-since'));
    if (since !== null && lastModifiedSeconds !== null && lastModifiedSeconds <= since) return 'not-modified';
  }
  return 'proceed';
}

/**
 * Whether a Range may be honoured given the request's If-Range (§13.1.5). An entity tag must match
 * strongly (a weak tag never does). A date matches only when it equals Last-Modified to the second:
 * our objects are immutable, so their Last-Modified is as strong as a validator gets.
 * Anything else, including a malformed value, means "send the whole object".
 */
export function ifRangeAllowsRange(ifRange: string | null, etag: string, lastModified?: Date): boolean {
  if (ifRange === null) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    const tags = parseEntityTags(value);
    return tags !== null && tags.length === 1 && strongMatch(tags[0]!, etag);
  }
  const date = parseHttpDate(value);
  return date !== null && lastModified !== undefined && date === wholeSeconds(lastModified);
}

interface EntityTag {
  weak: boolean;
  /** The opaque tag including its quotes. */
  opaque: string;
}

/** A comma-separated list of entity tags, or null when any member is malformed. */
export function parseEntityTags(value: string): EntityTag[] | null {
  const tags: EntityTag[] = [];
  const isSpace = (char: string | undefined): boolean => char === ' ' || char === '\t';
  let i = 0;
  for (;;) {
    // List syntax (§5.6.1): optional whitespace around commas, empty members allowed.
    while (i < value.length && (isSpace(value[i]) || value[i] === ',')) i++;
    if (i >= value.length) return tags;
    const weak = value.startsWith('W/', i);
    if (weak) i += 2;
    // Scan quote to quote rather than splitting on commas: a comma is a legal etagc.
    if (value[i] !== '"') return null;
    const close = value.indexOf('"', i + 1);
    if (close < 0) return null;
    const opaque = value.slice(i, close + 1);
    if (!ETAG_CHARS.test(opaque.slice(1, -1))) return null;
    tags.push({ weak, opaque });
    i = close + 1;
    while (i < value.length && isSpace(value[i])) i++;
    if (i < value.length && value[i] !== ',') return null;
  }
}

// etagc = %x21 / %x23-7E / obs-text
const ETAG_CHARS = /^[\x21\x23-\x7e\x80-\xff]*$/;

function strongMatch(tag: EntityTag, etag: string): boolean {
  return !tag.weak && !etag.startsWith('W/') && tag.opaque === etag;
}

function weakMatch(tag: EntityTag, etag: string): boolean {
  return tag.opaque === (etag.startsWith('W/') ? etag.slice(2) : etag);
}

/** `*` matches any current representation; an unparseable list matches nothing. */
function matchesAny(field: string, etag: string, match: (tag: EntityTag, etag: string) => boolean): boolean {
  if (field.trim() === '*') return true;
  return parseEntityTags(field)?.some((tag) => match(tag, etag)) ?? false;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// IMF-fixdate, then the two obsolete forms a recipient must still accept (§5.6.7).
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?<day>\d{2}) (?<month>[A-Z][a-z]{2}) (?<year>\d{4}) (?<time>\d{2}:\d{2}:\d{2}) GMT$/;
const RFC850_DATE =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (?<day>\d{2})-(?<month>[A-Z][a-z]{2})-(?<year>\d{2}) (?<time>\d{2}:\d{2}:\d{2}) GMT$/;
const ASCTIME_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?<month>[A-Z][a-z]{2}) (?<day>[ \d]\d) (?<time>\d{2}:\d{2}:\d{2}) (?<year>\d{4})$/;

/**
 * An HTTP-date as whole seconds since the epoch, or null when absent or invalid. Strict on purpose:
 * `Date.parse` reads text like "1" as a date, which would turn garbage into a 304.
 */
export function parseHttpDate(value: string | null): number | null {
  if (value === null) return null;
  const text = value.trim();
  const groups = (IMF_FIXDATE.exec(text) ?? RFC850_DATE.exec(text) ?? ASCTIME_DATE.exec(text))?.groups;
  if (!groups) return null;
  const day = Number(groups.day!.trim());
  const month = MONTHS.indexOf(groups.month!);
  let year = Number(groups.year);
  // RFC 850 two-digit years: a fixed pivot (1970-2069) keeps this pure; close enough to the
  // "most recent past year" rule for conditional requests.
  if (groups.year!.length === 2) year += year < 70 ? 2000 : 1900;
  const [hour, minute, second] = groups.time!.split(':').map(Number) as [number, number, number];
  if (month < 0 || hour > 23 || minute > 59 || second > 60) return null;
  const millis = Date.UTC(year, month, day, hour, minute, second);
  // Reject days like 31 Feb that Date.UTC would silently roll over.
  if (day < 1 || new Date(millis).getUTCDate() !== day) return null;
  return millis / 1000;
}

function wholeSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** Digits without leading zeros ("0" stays "0"), or null for an empty field. */
function stripZeros(digits: string): string | null {
  if (digits === '') return null;
  const stripped = digits.replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}

/** Compares two zero-stripped digit strings numerically, at any length. */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The value when exact in a double; otherwise Infinity, which exceeds every object size. */
function toBoundedNumber(digits: string): number {
  return digits.length > MAX_SAFE_DIGITS ? Number.POSITIVE_INFINITY : Number(digits);
}
