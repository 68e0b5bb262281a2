// `cadence ingest --ack DIR`: one acknowledgement per DDEX message, so the label's delivery system
// learns the outcome: applied, stale (older than a message already applied), failed (some tracks),
// refused (each problem with its element path or file), or valid (a dry run, which still says
// whether the message would be stale). `messageKind` is how it was applied (a NewReleaseMessage for
// a known release is an update), `declaredKind` what the message says. Written for refused
// messages too; named after the MessageId. Written whole or not at all (temp file, then rename).

import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { releaseIdentity } from '../catalog/release-id.ts';
import type { MessageInfo } from '../ddex/types.ts';
import type { AppliedKind, DdexOutcome } from '../pipeline/ddex-apply.ts';
import type { DeliveryProblem } from '../pipeline/delivery-model.ts';

export type AckStatus = 'applied' | 'stale' | 'failed' | 'refused' | 'valid';

export interface Acknowledgement {
  messageId: string | null;
  messageThreadId: string | null;
  messageCreatedAt: string | null;
  /** How the message was applied (a NewReleaseMessage for a known release: `update`). */
  messageKind: AppliedKind | null;
  /** The kind the message itself declares. */
  declaredKind: MessageInfo['kind'] | null;
  sender: MessageInfo['sender'] | null;
  /** The message file as given. */
  file: string;
  /**
   * The release's id (its UPC/EAN, else `grid:…` or `proprietary:…`), its UPC/EAN when it has one
   * (it may be one of its other ids: a release first known by its GRid keeps that id), and its
   * other ids, learned from its messages.
   */
  releaseId: string | null;
  upc: string | null;
  releaseAliases: string[];
  status: AckStatus;
  /** Every problem that refused the message (or failed a track), each with where it is. */
  problems: Array<{ code: string | null; location: string; message: string }>;
  warnings: Array<{ code: string | null; location: string; message: string }>;
  tracks: Array<{ isrc: string; state: string; error: string | null }>;
  takenDown: string[];
  restored: string[];
  /** Tracks the release held that this message no longer lists: they left the release. */
  dropped: string[];
  /** Of those, tracks no release holds any more (taken down). */
  onNoRelease: string[];
  /** Older than a message already applied for the release: not applied (in a dry run: would not be). */
  stale: boolean;
  /** A stale message: the newer message already applied for the release. */
  newerMessage: { messageId: string; createdAt: string } | null;
  acknowledgedAt: string;
}

export interface AckInput {
  file: string;
  message: MessageInfo | null;
  status: AckStatus;
  upc?: string | null;
  /** The release's other ids (ReleaseRecord.aliases). */
  aliases?: string[];
  problems?: DeliveryProblem[];
  warnings?: DeliveryProblem[];
  outcome?: DdexOutcome;
  /** A dry run's reading of the message log. */
  preview?: { appliedAs: AppliedKind; newer: { messageId: string; createdAt: string } | null };
}

/** The release's id, its UPC when it or one of its aliases is one (else null), and its aliases. */
export function releaseNames(id: string | null, aliases: string[] = []): { releaseId: string | null; upc: string | null; releaseAliases: string[] } {
  return { releaseId: id, upc: id === null ? null : releaseIdentity(id, aliases).upc, releaseAliases: aliases };
}

export function acknowledgement({ file, message, status, upc = null, aliases = [], problems = [], warnings = [], outcome, preview }: AckInput, now = new Date()): Acknowledgement {
  const newer = outcome?.newer ?? preview?.newer ?? null;
  const located = (p: DeliveryProblem) => ({ code: p.code ?? null, location: p.where, message: p.message });
  const tracks = (outcome?.report?.tracks ?? []).map((t) => ({ isrc: t.isrc, state: t.state, error: t.error }));
  const trackProblems = tracks.filter((t) => t.error).map((t) => ({ code: t.error!.split(':')[0] ?? null, location: `track ${t.isrc}`, message: t.error! }));
  return {
    messageId: message?.id ?? null,
    messageThreadId: message?.threadId ?? null,
    messageCreatedAt: message?.createdAt ?? null,
    messageKind: outcome?.appliedAs ?? preview?.appliedAs ?? message?.kind ?? null,
    declaredKind: message?.kind ?? null,
    sender: message?.sender ?? null,
    file,
    ...releaseNames(outcome?.upc ?? upc, aliases),
    status,
    problems: [...problems.map(located), ...trackProblems],
    warnings: warnings.map(located),
    tracks,
    takenDown: outcome?.takenDown ?? [],
    restored: outcome?.restored ?? [],
    dropped: outcome?.dropped ?? [],
    onNoRelease: outcome?.onNoRelease ?? [],
    stale: newer !== null,
    newerMessage: newer,
    acknowledgedAt: now.toISOString(),
  };
}

/** `<MessageId>.json` (characters a file name cannot hold replaced); a message whose header could not be read is named after its folder and path. */
export function ackFileName(ack: Pick<Acknowledgement, 'messageId' | 'file'>): string {
  if (ack.messageId) return `${ack.messageId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200)}.json`;
  const folder = basename(dirname(ack.file)).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return `unreadable-${folder}-${createHash('sha256').update(ack.file).digest('hex').slice(0, 8)}.json`;
}

export async function writeAcknowledgement(dir: string, ack: Acknowledgement): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, ackFileName(ack));
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(ack, null, 2)}\n`);
  await rename(temp, path);
  return path;
}
