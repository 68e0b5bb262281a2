// Loads a label delivery and checks all of it before any encoding starts: JSON, the shipped JSON
// Schema (ajv), identifiers, territories, duplicate ISRCs, master paths that stay inside the
// delivery folder, and a probe of every master. Every problem found is reported, each naming the
// track and field, not just the first.

import { readFile, realpath, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import PQueue from 'p-queue';
import type { ReleaseRecord } from '../catalog/types.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import type { TrackRights } from '../listeners/rights-model.ts';
import { type RawRights, deliveryRights } from './delivery-rights.ts';
import { isCalendarDate, isUpc } from './identifiers.ts';
import { probeMaster } from './probe.ts';
import { isTerritory } from './territories.ts';
import type { MasterInfo } from './types.ts';

const require = createRequire(import.meta.url);
const schema = require('./delivery.schema.json') as object;

/** Far above any real delivery; keeps a runaway file from being read into memory. */
export const MAX_DELIVERY_BYTES = 32 * 1024 * 1024;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface DeliveryProblem {
  /** Where in the delivery: `release.upc`, `tracks[2] (GBAYE2600003).master`, or the file. */
  where: string;
  message: string;
}

export class DeliveryError extends CadenceError {
  constructor(
    readonly file: string,
    readonly problems: DeliveryProblem[],
  ) {
    super('BAD_DELIVERY', `${file}: ${problems.length} problem(s)\n${problems.map((p) => `  ${p.where}: ${p.message}`).join('\n')}`);
  }
}

export interface DeliveryTrack {
  isrc: string;
  title: string;
  artists: string[];
  trackNumber: number;
  discNumber: number;
  explicit: boolean;
  /** Absolute path of the master, checked to lie inside the delivery folder. */
  masterPath: string;
  master: MasterInfo;
  /** What the label licensed (delivery-rights.ts); absent = the release's territories and date. */
  rights?: TrackRights;
}

export interface Delivery {
  file: string;
  release: ReleaseRecord;
  tracks: DeliveryTrack[];
}

interface RawTrack {
  isrc: string;
  title: string;
  artists: string[];
  trackNumber: number;
  discNumber?: number;
  master: string;
  explicit?: boolean;
  rights?: RawRights;
}

interface RawDelivery {
  label: string;
  release: { upc: string; title: string; artists: string[]; releaseDate: string; genre?: string; territories: string[]; rights?: RawRights };
  tracks: RawTrack[];
}

const validate = new Ajv({ allErrors: true, strict: true }).compile<RawDelivery>(schema);

export interface LoadDeliveryOptions {
  ffprobePath: string;
  maxDurationSeconds?: number;
  /** Masters probed at once. */
  probeConcurrency?: number;
}

export async function loadDelivery(file: string, options: LoadDeliveryOptions): Promise<Delivery> {
  const path = resolve(file);
  const raw = await readDeliveryJson(path);
  const problems = checkStructure(raw);
  if (problems.length > 0) throw new DeliveryError(path, problems);
  const delivery = raw as RawDelivery;

  problems.push(...checkSemantics(delivery));
  const licensed = deliveryRights(delivery.release, delivery.tracks);
  problems.push(...licensed.problems);
  const tracks = await checkMasters(path, delivery, options, problems);
  if (problems.length > 0) throw new DeliveryError(path, problems);
  // Without problems every track was checked, in delivery order.
  tracks.forEach((track, i) => (track.rights = licensed.rights[i]));

  const { release } = delivery;
  return {
    file: path,
    release: {
      upc: release.upc,
      label: delivery.label,
      title: release.title,
      artists: release.artists,
      releaseDate: release.releaseDate,
      genre: release.genre ?? null,
      territories: release.territories,
    },
    tracks,
  };
}

async function readDeliveryJson(path: string): Promise<unknown> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new DeliveryError(path, [{ where: 'file', message: 'the delivery file does not exist' }]);
  if (info.size > MAX_DELIVERY_BYTES) {
    throw new DeliveryError(path, [{ where: 'file', message: `${info.size} bytes is over the ${MAX_DELIVERY_BYTES}-byte limit` }]);
  }
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DeliveryError(path, [{ where: 'file', message: `invalid JSON: ${jsonErrorWithLine(text, error as Error)}` }]);
  }
}

function jsonErrorWithLine(text: string, error: Error): string {
  const position = /position (\d+)/.exec(error.message);
  if (!position) return error.message;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = Number(position[1]) - before.lastIndexOf('\n');
  return `${error.message} (line ${line}, column ${column})`;
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

function findForbiddenKeys(node: unknown, pointer: string, found: string[]): void {
  if (node === null || typeof node !== 'object') return;
  for (const key of Object.keys(node)) {
    const child = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (FORBIDDEN_KEYS.has(key)) found.push(child);
    findForbiddenKeys((node as Record<string, unknown>)[key], child, found);
  }
}

function checkStructure(raw: unknown): DeliveryProblem[] {
  const forbidden: string[] = [];
  findForbiddenKeys(raw, '', forbidden);
  const problems = forbidden.map((pointer) => ({
    where: describeLocation(raw, pointer.slice(0, pointer.lastIndexOf('/'))),
    message: `forbidden key ${JSON.stringify(pointer.slice(pointer.lastIndexOf('/') + 1))}`,
  }));
  if (!validate(raw)) {
    for (const error of validate.errors ?? []) {
      problems.push({ where: describeLocation(raw, error.instancePath), message: explain(error) });
    }
  }
  return problems;
}

function checkSemantics(delivery: RawDelivery): DeliveryProblem[] {
  const problems: DeliveryProblem[] = [];
  const { release, tracks } = delivery;
  if (!isUpc(release.upc)) problems.push({ where: 'release.upc', message: `${release.upc} has a wrong check digit` });
  if (!isCalendarDate(release.releaseDate)) {
    problems.push({ where: 'release.releaseDate', message: `${release.releaseDate} is not a calendar date` });
  }
  release.territories.forEach((code, i) => {
    if (!isTerritory(code)) problems.push({ where: `release.territories[${i}]`, message: `${code} is not an ISO 3166-1 country code` });
  });
  if (release.territories.includes('WW') && release.territories.length > 1) {
    problems.push({ where: 'release.territories', message: 'WW (worldwide) cannot be combined with country codes' });
  }

  const firstIsrc = new Map<string, number>();
  const firstPosition = new Map<string, number>();
  tracks.forEach((track, i) => {
    const where = `tracks[${i}] (${track.isrc})`;
    const earlier = firstIsrc.get(track.isrc);
    if (earlier !== undefined) problems.push({ where: `${where}.isrc`, message: `duplicate ISRC, also used by tracks[${earlier}]` });
    else firstIsrc.set(track.isrc, i);
    const position = `${track.discNumber ?? 1}-${track.trackNumber}`;
    const samePosition = firstPosition.get(position);
    if (samePosition !== undefined) {
      problems.push({ where: `${where}.trackNumber`, message: `disc ${track.discNumber ?? 1} track ${track.trackNumber} is also tracks[${samePosition}]` });
    } else firstPosition.set(position, i);
  });
  return problems;
}

/** Resolves each master inside the delivery folder (symlinks included) and probes it. */
async function checkMasters(
  deliveryPath: string,
  delivery: RawDelivery,
  options: LoadDeliveryOptions,
  problems: DeliveryProblem[],
): Promise<DeliveryTrack[]> {
  const folder = await realpath(dirname(deliveryPath));
  const queue = new PQueue({ concurrency: options.probeConcurrency ?? 4 });
  const outcomes = await Promise.all(
    delivery.tracks.map((track, i) => queue.add(() => checkMaster(folder, track, i, options))),
  );
  // Problems in track order, whatever order the probes finished in.
  const tracks: DeliveryTrack[] = [];
  for (const outcome of outcomes) {
    if (!outcome) continue;
    if ('problem' in outcome) problems.push(outcome.problem);
    else tracks.push(outcome.track);
  }
  return tracks;
}

async function checkMaster(
  folder: string,
  track: RawTrack,
  index: number,
  options: LoadDeliveryOptions,
): Promise<{ track: DeliveryTrack } | { problem: DeliveryProblem }> {
  const where = `tracks[${index}] (${track.isrc}).master`;
  const unsafe = masterPathProblem(track.master);
  if (unsafe) return { problem: { where, message: `${JSON.stringify(track.master)} ${unsafe}` } };
  const masterPath = await realpath(resolve(folder, track.master)).catch(() => null);
  if (!masterPath) return { problem: { where, message: `${track.master}: the file does not exist` } };
  if (!masterPath.startsWith(folder + sep)) {
    return { problem: { where, message: `${track.master} leads outside the delivery folder` } };
  }
  try {
    const master = await probeMaster(masterPath, options);
    return {
      track: {
        isrc: track.isrc,
        title: track.title,
        artists: track.artists,
        trackNumber: track.trackNumber,
        discNumber: track.discNumber ?? 1,
        explicit: track.explicit ?? false,
        masterPath,
        master,
      },
    };
  } catch (error) {
    if (!(error instanceof CadenceError)) throw error;
    return { problem: { where, message: error.message.replace(`${masterPath}: `, `${track.master}: `) } };
  }
}

function masterPathProblem(path: string): string | null {
  if (isAbsolute(path) || /^[a-zA-Z]:/.test(path)) return 'must be relative to the delivery file, not absolute';
  if (path.includes('\\')) return 'must use forward slashes';
  if (path.includes('\0')) return 'contains a NUL byte';
  if (path.split('/').includes('..')) return 'must not contain ".." segments';
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return 'must be a file path, not a URL';
  return null;
}
