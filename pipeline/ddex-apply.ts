// Applies one checked DDEX message to the catalog and storage, in MessageCreatedDateTime order per
// release: a message older than the newest one applied is recorded and changes nothing. A release
// message is ingested like a JSON delivery (the same master with new facts or deals is a metadata
// revision, no encode), then its TakeDown deals take the release or tracks down, and a message
// that licenses them again restores what an earlier DDEX message took down: a takedown whose
// source is 'ddex' (an operator's, `cadence takedown`, is left alone whatever its reason says).
// A purge takes the whole release down.

import type { Catalog } from '../catalog/types.ts';
import type { MessageInfo } from '../ddex/types.ts';
import type { TakedownBy } from '../listeners/rights-model.ts';
import type { ObjectStore } from '../storage/types.ts';
import type { DdexLoad } from './ddex-delivery.ts';
import { isStale, type MessageRecord, newestAppliedMessage, recordMessage } from './ddex-message-log.ts';
import type { Delivery } from './delivery-model.ts';
import type { IngestReport } from './ingest.ts';
import { type AvailabilityLog, changeAvailability } from './takedown-records.ts';

export function purgeReason(message: MessageInfo): string {
  return `PurgeReleaseMessage in DDEX message ${message.id}`;
}

export type DdexStatus = 'applied' | 'stale' | 'failed';

export interface DdexOutcome {
  messageId: string;
  kind: MessageInfo['kind'];
  createdAt: string;
  upc: string;
  status: DdexStatus;
  /** A stale message: the newer message already applied. */
  newer: { messageId: string; createdAt: string } | null;
  /** The release's ingest (release messages that were not stale). */
  report: IngestReport | null;
  takenDown: string[];
  restored: string[];
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
  const outcome: DdexOutcome = { messageId: message.id, kind: message.kind, createdAt: message.createdAt, upc, status: 'applied', newer: null, report: null, takenDown: [], restored: [] };
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

  const newest = await newestAppliedMessage(store, upc);
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
  const takeDown = async (): Promise<void> => {
    const due = [...takedowns].filter(([isrc]) => catalog.getTrack(isrc)?.current && !catalog.availability(isrc)?.takedown);
    for (const reason of new Set(due.map(([, why]) => why))) {
      const isrcs = due.filter(([, why]) => why === reason).map(([isrc]) => isrc);
      outcome.takenDown.push(...(await changeAvailability({ store, catalog, target: { isrcs }, takedown: { ...by, reason }, now, journal })));
    }
  };
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
  await record('applied');
  return outcome;
}
