// Parsers for the value formats ERN uses. Each returns the value or a reason; the caller adds the
// element path. Identifier checks are the pipeline's (pure), so JSON and DDEX agree.

import { isCalendarDate, isIsrc, isUpc } from '../pipeline/identifiers.ts';
import { isTerritory, WORLDWIDE } from '../pipeline/territories.ts';
import type { FileHash, HashAlgorithm } from './types.ts';

export type Parsed<T> = { value: T } | { reason: string };

export function parseIsrc(raw: string): Parsed<string> {
  // Hyphenated ISRCs (`GB-AYE-26-00001`) are a display form; the id is the 12 characters.
  const compact = raw.replace(/-/g, '').toUpperCase();
  return isIsrc(compact) ? { value: compact } : { reason: `${JSON.stringify(raw)} is not an ISRC: 12 characters like GBAYE2600001` };
}

export function parseIcpn(raw: string): Parsed<string> {
  // A GTIN-14 with a leading 0 (`00094631432057`, as some majors write it) wraps a UPC-A or an
  // EAN-13: it is read as the shortest of them, the form a label types in a JSON delivery.
  const code = /^00[0-9]{12}$/.test(raw) ? raw.slice(2) : /^0[0-9]{13}$/.test(raw) ? raw.slice(1) : raw;
  if (!/^[0-9]{12,13}$/.test(code)) return { reason: `${JSON.stringify(raw)} is not an ICPN: a 12-digit UPC or 13-digit EAN` };
  return isUpc(code) ? { value: code } : { reason: `${raw} has a wrong check digit` };
}

/** GRid (ISO 7064 MOD 37-36 check character): `A1-2425G-ABC1234002-M` or without hyphens. */
export function parseGrid(raw: string): Parsed<string> {
  const compact = raw.replace(/-/g, '').toUpperCase();
  if (!/^A1[0-9A-Z]{16}$/.test(compact)) return { reason: `${JSON.stringify(raw)} is not a GRid: 18 characters starting A1` };
  return gridCheckOk(compact) ? { value: compact } : { reason: `${raw} has a wrong check character` };
}

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** ISO/IEC 7064 MOD 37-36 over the first 17 characters; the 18th is the check character. */
export function gridCheckOk(compact: string): boolean {
  let product = 36;
  for (const char of compact.slice(0, 17)) {
    let sum = (product + ALPHANUMERIC.indexOf(char)) % 36;
    if (sum === 0) sum = 36;
    product = (sum * 2) % 37;
  }
  const check = (37 - product) % 36;
  return ALPHANUMERIC[check] === compact[17];
}

/** ERN dates are ISO 8601 `YYYY-MM-DD` (a bare year or year-month is allowed by ddex:IsoDate). */
export function parseDate(raw: string): Parsed<{ date: string; partial: boolean }> {
  if (/^\d{4}$/.test(raw)) return { value: { date: `${raw}-01-01`, partial: true } };
  if (/^\d{4}-\d{2}$/.test(raw)) {
    const date = `${raw}-01`;
    return isCalendarDate(date) ? { value: { date, partial: true } } : { reason: `${raw} is not a month that exists` };
  }
  const match = /^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?$/.exec(raw);
  if (!match) return { reason: `${JSON.stringify(raw)} is not a date written YYYY-MM-DD` };
  return isCalendarDate(match[1]!) ? { value: { date: match[1]!, partial: false } } : { reason: `${match[1]} is not a date that exists` };
}

/** xs:dateTime (MessageCreatedDateTime, StartDateTime) → ISO-8601 UTC; no zone is read as UTC. */
export function parseDateTime(raw: string): Parsed<string> {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(raw);
  if (!match) return { reason: `${JSON.stringify(raw)} is not a date-time written YYYY-MM-DDThh:mm:ss` };
  const [, day, hh, mm, ss, fraction = '', zone = 'Z'] = match;
  if (!isCalendarDate(day!) || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) {
    return { reason: `${raw} is not a moment that exists` };
  }
  const instant = new Date(`${day}T${hh}:${mm}:${ss}${fraction.slice(0, 4)}${zone}`);
  return { value: instant.toISOString() };
}

/**
 * xs:duration as ERN writes it (`PT3M20S`, `PT0H3M25.500S`, `PT185S`, `P0DT0H3M20S`, and the
 * `P0Y0M0DT0H3M20S` some ERN 3 tools write) → seconds. Years and months have no fixed length, so
 * only zero ones are read.
 */
export function parseDuration(raw: string): Parsed<number> {
  const match = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(raw);
  if (!match || raw === 'P' || raw.endsWith('T')) return { reason: `${JSON.stringify(raw)} is not an ISO 8601 duration like PT3M20S` };
  const [, years = '0', months = '0', days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  if (Number(years) !== 0 || Number(months) !== 0) return { reason: `${JSON.stringify(raw)} counts years or months, which have no fixed length: write it in hours, minutes and seconds` };
  return { value: Number(days) * 86_400 + Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds) };
}

/** DDEX territory: `Worldwide` or an ISO 3166-1 alpha-2 code. */
export function parseTerritory(raw: string): Parsed<string> {
  if (raw === 'Worldwide') return { value: WORLDWIDE };
  return raw !== WORLDWIDE && isTerritory(raw) ? { value: raw } : { reason: `${JSON.stringify(raw)} is not Worldwide or an ISO 3166-1 country code` };
}

// DDEX HashSumAlgorithmType spellings (ERN 3 `SHA1`, ERN 4 `SHA-256`, …) → the algorithm.
const ALGORITHMS: Record<string, HashAlgorithm> = {
  MD5: 'MD5',
  SHA: 'SHA-1',
  SHA1: 'SHA-1',
  'SHA-1': 'SHA-1',
  SHA224: 'SHA-224',
  'SHA-224': 'SHA-224',
  SHA256: 'SHA-256',
  'SHA-256': 'SHA-256',
  SHA384: 'SHA-384',
  'SHA-384': 'SHA-384',
  SHA512: 'SHA-512',
  'SHA-512': 'SHA-512',
};
const HEX_LENGTH: Record<HashAlgorithm, number> = { MD5: 32, 'SHA-1': 40, 'SHA-224': 56, 'SHA-256': 64, 'SHA-384': 96, 'SHA-512': 128 };
// `SHA2` names the family, not a size: the length of the value says which one.
const SHA2_BY_LENGTH: Record<number, HashAlgorithm> = { 56: 'SHA-224', 64: 'SHA-256', 96: 'SHA-384', 128: 'SHA-512' };
const SUPPORTED = 'MD5, SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512';

export function parseHash(algorithmRaw: string, valueRaw: string): Parsed<FileHash> {
  const value = valueRaw.toLowerCase();
  const name = algorithmRaw.toUpperCase();
  const algorithm = name === 'SHA2' ? SHA2_BY_LENGTH[value.length] : ALGORITHMS[name];
  if (!algorithm) {
    return name === 'SHA2'
      ? { reason: `${JSON.stringify(valueRaw)} is no SHA-2 value (56, 64, 96 or 128 hex digits)` }
      : { reason: `hash algorithm ${JSON.stringify(algorithmRaw)} is not supported: ${SUPPORTED}` };
  }
  if (!new RegExp(`^[0-9a-f]{${HEX_LENGTH[algorithm]}}$`).test(value)) {
    return { reason: `${JSON.stringify(valueRaw)} is not a ${algorithm} value (${HEX_LENGTH[algorithm]} hex digits)` };
  }
  return { value: { algorithm, value } };
}

/**
 * An ERN 4 `URI` → a path relative to the release folder. A relative URI (`resources/01.flac`,
 * `My%20Song.flac`) or a relative `file:` URI (`file:resources/01.flac`) is read; anything that
 * could leave the folder (another scheme, `file:///…`, absolute, `..`) is refused, not normalised.
 */
export function parseRelativeFile(raw: string): Parsed<string> {
  if (raw.includes('\0')) return { reason: 'contains a NUL byte' };
  const relativeFileUri = /^file:(?!\/)/i.exec(raw);
  const uri = relativeFileUri ? raw.slice(relativeFileUri[0].length) : raw;
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
    return { reason: `${JSON.stringify(raw)} must be a file in the release folder, not a URL, an absolute file: URI or a drive` };
  }
  if (/%(2f|5c|00)/i.test(uri)) return { reason: `${JSON.stringify(raw)} hides a separator or NUL in a %-escape` };
  let path: string;
  try {
    path = decodeURIComponent(uri);
  } catch {
    return { reason: `${JSON.stringify(raw)} has a malformed %-escape` };
  }
  return relativePath(raw, path);
}

/**
 * An ERN 3 `FilePath` + `FileName` → a path relative to the release folder. These are names, not
 * URIs: `%` and spaces are themselves (`100% Live.flac`). The same refusals as for a URI.
 */
export function parseRelativeFileName(raw: string): Parsed<string> {
  if (raw.includes('\0')) return { reason: 'contains a NUL byte' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || /^[a-z]:/i.test(raw)) {
    return { reason: `${JSON.stringify(raw)} must be a file in the release folder, not a URL or drive` };
  }
  return relativePath(raw, raw);
}

function relativePath(raw: string, path: string): Parsed<string> {
  if (path.startsWith('/') || path.startsWith('\\')) return { reason: `${JSON.stringify(raw)} must be relative to the release folder, not absolute` };
  if (path.includes('\\')) return { reason: `${JSON.stringify(raw)} must use forward slashes` };
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) return { reason: `${JSON.stringify(raw)} leads outside the release folder` };
  if (segments.length === 0) return { reason: 'names no file' };
  return { value: segments.join('/') };
}

/** `true`/`false`/`1`/`0` (xs:boolean). */
export function parseBoolean(raw: string): boolean | null {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  return null;
}
