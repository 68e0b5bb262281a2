// `cadence ingest` for DDEX: a release folder (one ERN message + resources), the message file
// itself, or with `--batch` a folder of release folders applied in MessageCreatedDateTime order.
// Each message is checked whole first (pipeline/ddex-delivery.ts), then applied in order
// (pipeline/ddex-apply.ts); `--ack DIR` writes one acknowledgement per message (cli/ddex-ack.ts).
// Takedowns made by the run go to the CDN purge hook once at its end (cli/ddex-cdn-purge.ts).

import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Catalog } from '../catalog/types.ts';
import { readErnMessage } from '../ddex/read-ern.ts';
import type { MessageInfo } from '../ddex/types.ts';
import { DEFAULT_MAX_BYTES } from '../ddex/xml-guard.ts';
import { CadenceError, isCadenceError } from '../errors/cadence-error.ts';
import { type AppliedKind, appliedKind, applyDdexMessage, type DdexOutcome } from '../pipeline/ddex-apply.ts';
import { DdexDeliveryError, type DdexLoad, findErnMessage, loadDdexDelivery } from '../pipeline/ddex-delivery.ts';
import { isStale, newestAppliedMessage } from '../pipeline/ddex-message-log.ts';
import { chooseRelease, onChosenRelease, type ReleaseNames } from '../pipeline/ddex-release-ids.ts';
import type { Delivery, DeliveryProblem } from '../pipeline/delivery-model.ts';
import type { IngestReport } from '../pipeline/ingest.ts';
import type { PublishLog } from '../pipeline/publish-version.ts';
import type { AvailabilityLog } from '../pipeline/takedown-records.ts';
import type { ObjectStore } from '../storage/types.ts';
import type { PurgeRequest } from './cdn-purge.ts';
import { cdnJson, formatCdn, purgeCdn, purgeRequestOf } from './ddex-cdn-purge.ts';
import { type AckStatus, acknowledgement, releaseNames, writeAcknowledgement } from './ddex-ack.ts';
import { formatIngestSummary, formatWarnings } from './ingest-view.ts';

export interface DdexIngestOptions {
  batch: boolean;
  dryRun: boolean;
  json: boolean;
  /** Folder for acknowledgements; none written when unset. */
  ack?: string;
  ffprobePath: string;
  maxDurationSeconds: number;
}

/** Where messages are applied: storage, the catalog, and the publish journal (publishes and availability changes). */
export interface DdexTargets {
  store: ObjectStore;
  catalog: Catalog;
  journal: AvailabilityLog & PublishLog;
  /**
   * Brings `catalog` up to what the journal holds. Others publish too (workers through the queue
   * above all), and what a message takes down or restores is decided from this catalog.
   */
  catchUp(): Promise<unknown>;
}

export interface DdexIngestDeps {
  withTargets<T>(run: (targets: DdexTargets) => Promise<T>): Promise<T>;
  /**
   * Object storage, read only (a dry run asks the per-release message log), and the catalog read
   * only when there is one (which release the message's ids name): null when there is none yet.
   */
  withStore<T>(run: (store: ObjectStore, catalog: ReleaseNames | null) => Promise<T>): Promise<T>;
  /** Ingests a release's tracks (in process or through the queue, as configured). */
  ingestRelease(targets: DdexTargets, delivery: Delivery): Promise<IngestReport>;
  writeJson(value: unknown): void;
  write(text: string): void;
  /**
   * The CDN purge hook (CADENCE_CDN_PURGE_COMMAND) for what the run took down, once every origin
   * has seen it (cli/cdn-purge.ts purgeWhenSeen); unset when no hook is configured.
   */
  purgeCdn?(request: PurgeRequest): Promise<void>;
}

export interface MessageResult {
  /** The message file, as shown to the user. */
  file: string;
  message: MessageInfo | null;
  /** The release, once the message was read well enough to name it (once applied: the release the catalog knows it as). */
  upc: string | null;
  /** The release's other ids (ReleaseRecord.aliases) once the message was applied; else none. */
  aliases: string[];
  status: AckStatus;
  problems: DeliveryProblem[];
  warnings: DeliveryProblem[];
  outcome: DdexOutcome | null;
  /** A dry run: how the message would be applied, read from storage without writing anything. */
  preview: DryRunPreview | null;
  /** The error that refused or failed the message, for the single-message exit. */
  error: CadenceError | null;
}

export interface DryRunPreview {
  /** From the release's message log: an applied message makes this one an update. */
  appliedAs: AppliedKind;
  /** Set when a newer message was already applied: ingesting this one would record it as stale. */
  newer: { messageId: string; createdAt: string } | null;
}

export async function runDdexIngest(path: string, options: DdexIngestOptions, deps: DdexIngestDeps): Promise<void> {
  if (!options.batch) {
    const file = await findErnMessage(path);
    const { results: [result], purge } = await processMessages([file], options, deps);
    const cdn = await purgeCdn(deps.purgeCdn, purge);
    if (options.json && !result!.error) deps.writeJson({ ...resultJson(result!), ...cdnJson(cdn) });
    else if (!options.json && !result!.error) deps.write(formatResult(result!) + formatCdn(cdn));
    // A refused or failed message ends like any failed ingest: `CODE: message`, or its JSON.
    if (result!.error) throw result!.error;
    if (cdn.error) throw cdn.error;
    if (result!.status === 'failed') process.exitCode = 1;
    return;
  }
  const files = await batchMessages(path);
  const { results, purge } = await processMessages(files, options, deps);
  const cdn = await purgeCdn(deps.purgeCdn, purge);
  const ok = results.every((r) => r.status !== 'refused' && r.status !== 'failed');
  if (options.json) deps.writeJson({ ok, messages: results.map(resultJson), ...cdnJson(cdn) });
  else deps.write(`${results.map(formatResult).join('')}${results.length} message(s): ${countBy(results)}\n${formatCdn(cdn)}`);
  // The messages stand; a failed purge is the run's failure (CDN: …), as for `cadence takedown`.
  if (cdn.error) throw cdn.error;
  if (!ok) process.exitCode = 1;
}

/**
 * Checks then applies each message in turn; the store and catalog are opened once. A dry run
 * checks every message first and opens the store (to read the message logs) only when one is
 * valid: a refused message, a hostile one above all, costs no storage client.
 */
async function processMessages(files: string[], options: DdexIngestOptions, deps: DdexIngestDeps): Promise<{ results: MessageResult[]; purge: PurgeRequest | null }> {
  const results: MessageResult[] = [];
  const done = async (result: MessageResult): Promise<void> => {
    if (options.ack) {
      const { outcome, preview } = result;
      await writeAcknowledgement(options.ack, acknowledgement({ file: result.file, message: result.message, upc: result.upc, aliases: result.aliases, status: result.status, problems: result.problems, warnings: result.warnings, ...(outcome ? { outcome } : {}), ...(preview ? { preview } : {}) }));
    }
    results.push(result);
  };
  if (options.dryRun) {
    const checked: CheckedMessage[] = [];
    for (const path of files) checked.push(await checkMessage(path, options));
    const previewAll = async (store: ObjectStore | null, catalog: ReleaseNames | null = null): Promise<void> => {
      for (const each of checked) await done(each.load && store ? await previewed(each.result, each.load, store, catalog) : each.result);
    };
    if (checked.some((each) => each.load)) await deps.withStore(previewAll);
    else await previewAll(null);
    return { results, purge: null };
  }
  const purge = await deps.withTargets(async (targets) => {
    for (const path of files) {
      const each = await checkMessage(path, options);
      await done(each.load ? await applyChecked(each.result, each.load, deps, targets) : each.result);
    }
    return deps.purgeCdn ? purgeRequestOf(targets.catalog, results.flatMap((result) => (result.outcome ? [result.outcome] : []))) : null;
  });
  return { results, purge };
}

/** A message read and checked: `load` when it may be applied, else its refusal in `result`. */
interface CheckedMessage {
  result: MessageResult;
  load: DdexLoad | null;
}

async function checkMessage(path: string, options: DdexIngestOptions): Promise<CheckedMessage> {
  const base = { file: shown(path), upc: null, aliases: [], outcome: null, preview: null, error: null, problems: [], warnings: [] };
  try {
    // A batch entry may be a release folder without a message: findErnMessage says so.
    const load = await loadDdexDelivery(await findErnMessage(path), { ffprobePath: options.ffprobePath, maxDurationSeconds: options.maxDurationSeconds });
    const upc = load.kind === 'purge' ? load.upc : load.delivery.release.upc;
    return { result: { ...base, message: load.message, upc, status: 'valid', warnings: load.warnings }, load };
  } catch (error) {
    if (error instanceof DdexDeliveryError) return { result: { ...base, message: error.ern, status: 'refused', problems: error.problems, error }, load: null };
    if (isCadenceError(error)) {
      const message = error.message.startsWith(`${path}: `) ? error.message.slice(path.length + 2) : error.message;
      return { result: { ...base, message: null, status: 'refused', problems: [{ where: shown(path), code: error.code, message }], error }, load: null };
    }
    throw error;
  }
}

async function applyChecked(checked: MessageResult, checkedLoad: DdexLoad, deps: DdexIngestDeps, targets: DdexTargets): Promise<MessageResult> {
  let loaded = checked;
  try {
    // Before (tracks already published go down before the ingest) and after the release's ingest
    // (what the workers just published is taken down or restored), the catalog is current.
    await targets.catchUp();
    // Which release the message is about, decided here once: what is journalled and stored names it.
    const choice = chooseRelease(targets.catalog, checkedLoad.knownAs);
    if (!choice.ok) {
      const error = new DdexDeliveryError(checkedLoad.file, [choice.problem], checkedLoad.message);
      return { ...loaded, status: 'refused', problems: [choice.problem], error };
    }
    const load = onChosenRelease(checkedLoad, choice);
    loaded = { ...loaded, upc: choice.upc, aliases: choice.aliases };
    const ingest = async (delivery: Delivery): Promise<IngestReport> => {
      const report = await deps.ingestRelease(targets, delivery);
      await targets.catchUp();
      return report;
    };
    const outcome = await applyDdexMessage({ ...targets, load, ingest });
    return { ...loaded, status: outcome.status, outcome };
  } catch (error) {
    // e.g. a purge of a release the catalog does not hold (NOT_FOUND), storage refusing a record.
    if (!isCadenceError(error) || error.code === 'ABORTED') throw error;
    return { ...loaded, status: 'failed', problems: [{ where: loaded.file, code: error.code, message: error.message }], error };
  }
}

/** A dry run's answer for a valid message: the release its ids name (when a catalog is there to say), and its preview. */
async function previewed(result: MessageResult, load: DdexLoad, store: ObjectStore, catalog: ReleaseNames | null): Promise<MessageResult> {
  const choice = catalog ? chooseRelease(catalog, load.knownAs) : null;
  if (choice && !choice.ok) return { ...result, status: 'refused', problems: [choice.problem], error: new DdexDeliveryError(load.file, [choice.problem], load.message) };
  const named = choice ? { upc: choice.upc, aliases: choice.aliases } : {};
  return { ...result, ...named, status: 'valid', preview: await previewOf(store, load.message, choice?.upc ?? result.upc!) };
}

/** What applying the message would do, as far as the message log in storage tells (reads only). */
async function previewOf(store: ObjectStore, message: MessageInfo, upc: string): Promise<DryRunPreview> {
  const newest = await newestAppliedMessage(store, upc);
  return {
    appliedAs: appliedKind(message.kind, newest !== null),
    newer: isStale(message, newest) ? { messageId: newest!.messageId, createdAt: newest!.createdAt } : null,
  };
}

/** Every release folder's one message, oldest MessageCreatedDateTime first; unreadable ones last, by name. */
export async function batchMessages(path: string): Promise<string[]> {
  const root = resolve(path);
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new CadenceError('BAD_INPUT', `${path}: --batch takes a folder of release folders`);
  const folders = (await readdir(root, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  if (folders.length === 0) throw new CadenceError('BAD_INPUT', `${path}: holds no release folder`);
  const entries = await Promise.all(
    folders.map(async (name) => {
      const file = await findErnMessage(join(root, name)).catch(() => join(root, name));
      return { file, createdAt: await createdAtOf(file) };
    }),
  );
  entries.sort((a, b) => (a.createdAt ?? Infinity) - (b.createdAt ?? Infinity) || a.file.localeCompare(b.file));
  return entries.map((entry) => entry.file);
}

/** MessageCreatedDateTime of a message, or null when it cannot be read (it is then refused in its turn, with reasons). */
async function createdAtOf(file: string): Promise<number | null> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile() || info.size > DEFAULT_MAX_BYTES) return null;
  const read = readErnMessage(await readFile(file));
  const message = read.ok ? read.model.message : read.message;
  const time = message ? Date.parse(message.createdAt) : NaN;
  return Number.isFinite(time) ? time : null;
}

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/** How the message was (or, in a dry run, would be) applied; its declared kind when neither says. */
function appliedAsOf({ message, outcome, preview }: MessageResult): AppliedKind | undefined {
  return outcome?.appliedAs ?? preview?.appliedAs ?? message?.kind;
}

const KIND_WORDS = { new: 'new release', update: 'update', purge: 'purge' } as const;

export function formatResult(result: MessageResult): string {
  const { message, outcome, preview } = result;
  const applied = appliedAsOf(result);
  // A NewReleaseMessage for a known release says so: it is applied as an update.
  const kind = message && applied !== message.kind ? `${KIND_WORDS[applied!]}, declared as a ${KIND_WORDS[message.kind]}` : message ? KIND_WORDS[message.kind] : '';
  const head = message ? `${message.id} (${kind}, created ${message.createdAt})` : result.file;
  const lines: string[] = [];
  switch (result.status) {
    case 'refused':
      lines.push(`${head}: refused, ${result.problems.length} problem(s) in ${result.file}`, ...result.problems.map((p) => `  ${p.where}: ${p.message}`));
      break;
    case 'valid':
      lines.push(`${head}: dry run: ${result.file} is valid; nothing was encoded or published`);
      if (preview?.newer) lines.push(`  stale: release ${result.upc} already has the newer message ${preview.newer.messageId} (created ${preview.newer.createdAt}); ingesting this one would record it and change nothing`);
      break;
    case 'stale':
      lines.push(`${head}: not applied: release ${outcome!.upc} already has the newer message ${outcome!.newer!.messageId} (created ${outcome!.newer!.createdAt}); recorded`);
      break;
    default: {
      const verb = result.status === 'applied' ? 'applied' : 'failed';
      lines.push(`${head}: ${verb}${result.upc ? ` (release ${result.upc})` : ''}`);
      if (outcome?.report) lines.push(...formatIngestSummary(outcome.report).trimEnd().split('\n').map((line) => `  ${line}`));
      if (outcome?.takenDown.length) lines.push(`  taken down: ${outcome.takenDown.join(', ')}`);
      if (outcome?.restored.length) lines.push(`  restored: ${outcome.restored.join(', ')}`);
      if (outcome?.dropped.length) lines.push(`  no longer on release ${outcome.upc}: ${outcome.dropped.join(', ')}${outcome.onNoRelease.length ? ` (on no release, taken down: ${outcome.onNoRelease.join(', ')})` : ''}`);
      lines.push(...result.problems.map((p) => `  ${p.code ? `${p.code}: ` : ''}${p.message}`));
    }
  }
  return `${lines.join('\n')}\n${formatWarnings(result.warnings)}`;
}

function countBy(results: MessageResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
}

export function resultJson(result: MessageResult): object {
  const { message, outcome, preview, status } = result;
  const report = outcome?.report;
  const newer = outcome?.newer ?? preview?.newer ?? null;
  return {
    ok: status !== 'refused' && status !== 'failed',
    status,
    file: result.file,
    // `kind` as the message declares it; `appliedAs` how it is (or, in a dry run, would be) applied.
    message: message ? { id: message.id, kind: message.kind, appliedAs: appliedAsOf(result), createdAt: message.createdAt } : null,
    ...(report ? { ...report } : {}),
    // After the report, whose `upc` is the release id.
    ...releaseNames(outcome?.upc ?? result.upc, result.aliases),
    takenDown: outcome?.takenDown ?? [],
    restored: outcome?.restored ?? [],
    dropped: outcome?.dropped ?? [],
    onNoRelease: outcome?.onNoRelease ?? [],
    /** Older than a message already applied: recorded and not applied (or, in a dry run, would be). */
    stale: newer !== null,
    newer,
    problems: result.problems,
    warnings: result.warnings,
  };
}
