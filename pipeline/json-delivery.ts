// The JSON delivery format: reads the file, checks its syntax (line and column), nesting, forbidden
// keys and the shipped JSON Schema (ajv), and turns what is usable into the delivery model. It
// checks nothing a DDEX delivery would need checked too: that is pipeline/delivery-checks.ts.

import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import type { TrackCredit } from '../catalog/types.ts';
import type { DeliveryDraft, DeliveryProblem, DraftTrack, RecordingFacts } from './delivery-model.ts';
import type { RawRights } from './delivery-rights.ts';
import { parseJsonText } from './json-text.ts';

const require = createRequire(import.meta.url);
const schema = require('./delivery.schema.json') as { properties: { tracks: { maxItems: number } } };

/** Far above any real delivery; keeps a runaway file from being read into memory. */
export const MAX_DELIVERY_BYTES = 32 * 1024 * 1024;
/** A delivery is four levels deep; anything near this is not a delivery. */
export const MAX_DELIVERY_DEPTH = 32;
const MAX_TRACKS = schema.properties.tracks.maxItems;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

export interface ParsedDelivery {
  /** Null when the file could not be read as JSON at all. */
  draft: DeliveryDraft | null;
  problems: DeliveryProblem[];
}

export async function parseJsonDelivery(file: string): Promise<ParsedDelivery> {
  const path = resolve(file);
  const fileProblem = (message: string): ParsedDelivery => ({ draft: null, problems: [{ where: 'file', message }] });
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return fileProblem('the delivery file does not exist');
  if (info.size > MAX_DELIVERY_BYTES) return fileProblem(`${info.size} bytes is over the ${MAX_DELIVERY_BYTES}-byte limit`);
  const parsed = parseJsonText(await readFile(path, 'utf8'), { maxDepth: MAX_DELIVERY_DEPTH });
  if (!parsed.ok) return fileProblem(`invalid JSON: line ${parsed.line}, column ${parsed.column}: ${parsed.message}`);
  const raw = parsed.value;

  const problems = forbiddenKeyProblems(raw);
  // Pointers of values the schema refused: those fields are not used by the shared checks.
  const refused = new Set<string>();
  if (!validate(raw)) {
    for (const error of validate.errors ?? []) {
      problems.push({ where: describeLocation(raw, error.instancePath), message: explain(error) });
      refused.add(error.instancePath);
    }
  }
  return { draft: draftOf(path, raw, refused), problems };
}

/** The usable parts of a schema-checked value: a field the schema refused (or anything under it) is null. */
function draftOf(path: string, raw: unknown, refused: Set<string>): DeliveryDraft {
  const usable = (pointer: string): boolean => {
    for (const bad of refused) if (bad === pointer || bad.startsWith(`${pointer}/`)) return false;
    return true;
  };
  const field = <T>(node: unknown, pointer: string, key: string, is: (value: unknown) => value is T): T | null => {
    const value = isObject(node) ? node[key] : undefined;
    return is(value) && usable(`${pointer}/${key}`) ? value : null;
  };
  const root = isObject(raw) ? raw : {};
  const release = root.release;
  const tracks = Array.isArray(root.tracks) ? root.tracks.slice(0, MAX_TRACKS) : [];
  return {
    file: path,
    folder: dirname(path),
    label: field(root, '', 'label', isString),
    release: {
      upc: field(release, '/release', 'upc', isString),
      title: field(release, '/release', 'title', isString),
      artists: field(release, '/release', 'artists', isStrings),
      releaseDate: field(release, '/release', 'releaseDate', isString),
      genre: field(release, '/release', 'genre', isString),
      territories: field(release, '/release', 'territories', isStrings),
      rights: field(release, '/release', 'rights', isRights),
      cover: field(release, '/release', 'cover', isString),
    },
    tracks: tracks.map((track: unknown, i): DraftTrack => {
      const pointer = `/tracks/${i}`;
      const has = (key: string): boolean => isObject(track) && track[key] !== undefined;
      return {
        where: describeLocation(raw, pointer),
        isrc: field(track, pointer, 'isrc', isString),
        title: field(track, pointer, 'title', isString),
        artists: field(track, pointer, 'artists', isStrings),
        trackNumber: field(track, pointer, 'trackNumber', isInteger),
        discNumber: has('discNumber') ? field(track, pointer, 'discNumber', isInteger) : 1,
        master: field(track, pointer, 'master', isString),
        explicit: has('explicit') ? field(track, pointer, 'explicit', isBoolean) : false,
        rights: field(track, pointer, 'rights', isRights),
        ...recordingFacts(track, (key, is) => field(track, pointer, key, is)),
      };
    }),
  };
}

type FieldReader = <T>(key: string, is: (value: unknown) => value is T) => T | null;

/** The optional genre, credits and ℗ line, when the track gives any (the schema checked their shape). */
function recordingFacts(track: unknown, field: FieldReader): { recording?: RecordingFacts } {
  if (!isObject(track) || (track.genre === undefined && track.credits === undefined && track.pLine === undefined)) return {};
  const pLine = field('pLine', isObject);
  return {
    recording: {
      genre: field('genre', isString),
      credits: field('credits', (value): value is TrackCredit[] => Array.isArray(value) && value.every(isObject)) ?? [],
      pLine: pLine ? { year: typeof pLine.year === 'number' ? pLine.year : null, text: String(pLine.text) } : null,
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function isString(value: unknown): value is string {
  return typeof value === 'string';
}
function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(isString);
}
function isInteger(value: unknown): value is number {
  return Number.isInteger(value);
}
function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}
/** The schema has checked the shape of a `rights` object it did not refuse. */
function isRights(value: unknown): value is RawRights {
  return isObject(value);
}

/** `/tracks/2/title` → `tracks[2] (ISRC).title`, so a label engineer finds the row at once. */
function describeLocation(raw: unknown, pointer: string): string {
  const parts = pointer.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  let where = '';
  let node: unknown = raw;
  for (const part of parts) {
    const isIndex = Array.isArray(node) && /^\d+$/.test(part);
    node = (node as Record<string, unknown> | undefined)?.[part];
    if (isIndex) {
      where += `[${part}]`;
      const isrc = (node as { isrc?: unknown } | undefined)?.isrc;
      if (typeof isrc === 'string' && isrc.length <= 20) where += ` (${isrc})`;
    } else {
      where += where ? `.${part}` : part;
    }
  }
  return where || 'delivery';
}

function explain(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown field ${JSON.stringify(error.params.additionalProperty)}`;
    case 'required':
      return `missing required field ${JSON.stringify(error.params.missingProperty)}`;
    case 'pattern':
      if (error.instancePath.endsWith('/isrc')) return 'must be an ISRC: 12 characters like GBAYE2600001, no hyphens';
      if (error.instancePath.endsWith('/upc')) return 'must be a UPC-A or EAN-13: 12 or 13 digits';
      if (error.instancePath.endsWith('/releaseDate')) return 'must be a date written YYYY-MM-DD';
      if (error.instancePath.includes('/territories/')) return 'must be an ISO 3166-1 alpha-2 code (two capital letters) or WW';
      if (error.schema === '\\S') return 'must not be blank';
      return `${error.message}`;
    default:
      return error.message ?? error.keyword;
  }
}

/** Keys that would reach an object's prototype in careless code; nesting is bounded by the parse. */
function forbiddenKeyProblems(raw: unknown): DeliveryProblem[] {
  const problems: DeliveryProblem[] = [];
  const visit = (node: unknown, pointer: string): void => {
    if (node === null || typeof node !== 'object') return;
    for (const key of Object.keys(node)) {
      const child = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (FORBIDDEN_KEYS.has(key)) problems.push({ where: describeLocation(raw, pointer), message: `forbidden key ${JSON.stringify(key)}` });
      visit((node as Record<string, unknown>)[key], child);
    }
  };
  visit(raw, '');
  return problems;
}
