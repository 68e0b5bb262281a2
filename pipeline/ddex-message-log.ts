// The per-release record of DDEX messages, in object storage (the only shared truth): one
// create-only record per message handled, saying whether it was applied or arrived after a newer
// one was applied (stale: recorded, not applied). The newest applied MessageCreatedDateTime is
// what a new message is compared against, by any node, after any reindex.

import { createHash } from 'node:crypto';
import type { MessageInfo } from '../ddex/types.ts';
import { ddexMessagesPrefix } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/types.ts';

export type MessageOutcome = 'applied' | 'stale';

export interface MessageRecord {
  upc: string;
  messageId: string;
  kind: MessageInfo['kind'];
  /** MessageCreatedDateTime, ISO-8601 UTC. */
  createdAt: string;
  outcome: MessageOutcome;
  /** For a stale message: the newer applied message it lost to. */
  newerMessageId?: string;
  recordedAt: string;
}

/** The applied message with the latest MessageCreatedDateTime for this release, or null. */
export async function newestAppliedMessage(store: ObjectStore, upc: string): Promise<MessageRecord | null> {
  let newest: MessageRecord | null = null;
  for await (const { key } of store.list(ddexMessagesPrefix(upc))) {
    if (!key.endsWith('.json')) continue;
    const record = JSON.parse((await store.getBytes(key)).toString('utf8')) as MessageRecord;
    if (record.outcome !== 'applied') continue;
    if (!newest || Date.parse(record.createdAt) > Date.parse(newest.createdAt)) newest = record;
  }
  return newest;
}

/** A message older than the newest applied one must not undo it. Equal times apply (a re-run). */
export function isStale(message: Pick<MessageInfo, 'createdAt'>, newest: MessageRecord | null): boolean {
  return newest !== null && Date.parse(newest.createdAt) > Date.parse(message.createdAt);
}

export async function recordMessage(store: ObjectStore, record: MessageRecord): Promise<string> {
  const body = `${JSON.stringify(record, null, 2)}\n`;
  const stamp = record.createdAt.replace(/[-:.]/g, '');
  const key = `${ddexMessagesPrefix(record.upc)}${stamp}-${createHash('sha256').update(body).digest('hex').slice(0, 12)}.json`;
  await store.putBytes(key, body, { contentType: 'application/json' });
  return key;
}
