// Applies one checked DDEX message to the catalog and storage, in MessageCreatedDateTime order per
// release: a message older than the newest one applied is recorded and changes nothing. A release
// message is ingested like a JSON delivery (the same master with new facts or deals is a metadata
// revision, no encode), then its TakeDown deals take the release or tracks down, and a message
// that licenses them again restores what an earlier DDEX message took down: a takedown whose
// source is 'ddex' (an operator's, `cadence takedown`, is left alone whatever its reason says).
// A purge takes the whole release down.
// A release message for a release already known (an earlier message applied, or the release in
// the catalog) is applied as an update whatever it declares (ERN 4 has no UpdateIndicator), and
// the release's track list follows it: a track it no longer lists leaves the release
// (pipeline/release-removals.ts); one that is then on no release at all is taken down.
// The load names the release as the ingest chose it (pipeline/ddex-release-ids.ts): a message that
// names a known release by another of its ids is applied to it, under its id and message log.

import type { Catalog } from '../catalog/types.ts';
import type { MessageInfo } from '../ddex/types.ts';
import type { TakedownBy } from '../listeners/rights-model.ts';
import type { ObjectStore } from '../storage/types.ts';
import type { DdexLoad } from './ddex-delivery.ts';
import { isStale, type MessageRecord, newestAppliedMessage, recordMessage } from './ddex-message-log.ts';
import type { Delivery } from './delivery-model.ts';
import type { IngestReport } from './ingest.ts';
import { removeTracksFromRelease } from './release-removals.ts';
import { type AvailabilityLog, changeAvailability } from './takedown-records.ts';

export function purgeReason(message: MessageInfo): string {
  return `PurgeReleaseMessage in DDEX message ${message.id}`;
}

/** A track no release lists after this message dropped it from its last one. */
export function droppedReason(message: MessageInfo, upc: string): string {
  return `dropped from release ${upc} (now on no release) in DDEX message ${message.id}`;
}

export type DdexStatus = 'applied' | 'stale' | 'failed';

/** How a message is (or would be) applied: a NewReleaseMessage for a known release is an update. */
export type AppliedKind = 'new' | 'update' | 'purge';

/** `declared` is the message's own kind; `known`: the release had an applied message or is in the catalog. */
export function appliedKind(declared: MessageInfo['kind'], known: boolean): AppliedKind {
  if (declared === 'purge') return 'purge';
  return declared === 'update' || known ? 'update' : 'new';
}

export interface DdexOutcome {
  messageId: string;
  /** The kind the message declares. */
  kind: MessageInfo['kind'];
  /** How it was applied (or would have been, when stale). */
  appliedAs: AppliedKind;
  createdAt: string;
  upc: string;
  status: DdexStatus;
  /** A stale message: the newer message already applied. */
  newer: { messageId: string; createdAt: string } | null;
  /** The release's ingest (release messages that were not stale). */
  report: IngestReport | null;
  takenDown: string[];
  restored: string[];
  /** Tracks the release held that this message no longer lists: they left the release. */
  dropped: string[];
  /** Of those, the tracks now on no release (taken down, reason droppedReason). */
  onNoRelease: string[];
}

export interface ApplyDdexOptions {
  store: ObjectStore;
  catalog: Catalog;
  load: DdexLoad;
  /** Ingests the release's tracks (in process or through the queue: the caller decides). */
  ingest(delivery: Delivery): Promise<IngestReport>;
  /** The publish journal: takedowns and restores reach every node following it. Absent: this catalog only. */
  journal?: AvailabilityLog;
  now?: () => Date;
}

export async function applyDdexMessage({ store, catalog, load, ingest, journal, now = () => new Date() }: ApplyDdexOptions): Promise<DdexOutcome> {
  const { message } = load;
  // Every takedown this message makes says so: only those may a later message lift.
  const by: TakedownBy = { source: 'ddex', messageId: message.id };
  const upc = load.kind === 'purge' ? load.upc : load.delivery.release.upc;
  const newest = await newestAppliedMessage(store, upc);
  const appliedAs = appliedKind(message.kind, newest !== null || catalog.getRelease(upc) !== null);
  const outcome: DdexOutcome = { messageId: message.id, kind: message.kind, appliedAs, createdAt: message.createdAt, upc, status: 'applied', newer: null, report: null, takenDown: [], restored: [], dropped: [], onNoRelease: [] };
  const record = (result: MessageRecord['outcome'], newer?: MessageRecord): Promise<string> =>
    recordMessage(store, {
      upc,
      messageId: message.id,
      kind: message.kind,
      createdAt: message.createdAt,
      outcome: result,
      ...(newer ? { newerMessageId: newer.messageId } : {}),
      recordedAt: now().toISOString(),
    });

  if (isStale(message, newest)) {
    await record('stale', newest!);
    return { ...outcome, status: 'stale', newer: { messageId: newest!.messageId, createdAt: newest!.createdAt } };
  }

  if (load.kind === 'purge') {
    outcome.takenDown = await changeAvailability({ store, catalog, target: { upc }, takedown: { ...by, reason: purgeReason(message) }, now, journal });
    await record('applied');
    return outcome;
  }

  // What the message takes down: the whole release (a TakeDown deal on it) or single tracks.
  const takedowns = new Map<string, string>(
    load.takedown ? load.delivery.tracks.map((track) => [track.isrc, load.takedown!.reason]) : load.trackTakedowns.map((entry) => [entry.isrc, entry.takedown.reason]),
  );
  const dropTracks = async (isrcs: string[]): Promise<void> => {
    const removal = await removeTracksFromRelease({ store, catalog, upc, isrcs, cause: `DDEX message ${message.id} no longer lists them`, now, journal });
    outcome.dropped = removal.removed;
    outcome.onNoRelease = removal.onNoRelease;
    // On no release: not playable, not found (an operator's takedown stays as it is, reason and all).
    if (removal.onNoRelease.length > 0) {
      outcome.takenDown.push(...(await changeAvailability({ store, catalog, target: { isrcs: removal.onNoRelease }, takedown: { ...by, reason: droppedReason(message, upc) }, now, journal })));
    }
  };
  const takeDown = async (): Promise<void> => {
    const due = [...takedowns].filter(([isrc]) => catalog.getTrack(isrc)?.current && !catalog.availability(isrc)?.takedown);
    for (const reason of new Set(due.map(([, why]) => why))) {
      const isrcs = due.filter(([, why]) => why === reason).map(([isrc]) => isrc);
      outcome.takenDown.push(...(await changeAvailability({ store, catalog, target: { isrcs }, takedown: { ...by, reason }, now, journal })));
    }
  };
  // The release's track list before this message: what it no longer lists leaves the release once it applied.
  const listed = new Set(load.delivery.tracks.map((track) => track.isrc));
  const dropped = (catalog.listTracks({ upc }) ?? []).map((track) => track.isrc).filter((isrc) => !listed.has(isrc));
  // Tracks already published go down before the ingest republishes them, so they never play in between.
  await takeDown();
  const report = await ingest(load.delivery);
  outcome.report = report;
  // A message half applied is not recorded: running it again finishes it.
  if (report.failed > 0 || report.aborted > 0) return { ...outcome, status: 'failed' };
  await takeDown();
  // Licensed again by this message: undo what an earlier DDEX message took down, never an operator's takedown.
  const restore = load.delivery.tracks
    .map((track) => track.isrc)
    .filter((isrc) => !takedowns.has(isrc) && catalog.availability(isrc)?.takedown?.source === 'ddex');
  if (restore.length > 0) outcome.restored = await changeAvailability({ store, catalog, target: { isrcs: restore }, takedown: null, now, journal });
  if (dropped.length > 0) await dropTracks(dropped);
  await record('applied');
  return outcome;
}
