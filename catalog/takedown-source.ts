// Who made a takedown (listeners/rights-model.ts TakedownBy), stored beside it: migration 15 adds
// the columns, and takedowns written before it (catalog rows, journal entries, takedowns/ records
// in storage) get a source inferred once from their reason's wording, the only trace older code
// left of a DDEX message. Nothing decides from the wording after that.

import { CadenceError } from '../errors/cadence-error.ts';
import type { Takedown, TakedownBy } from '../listeners/rights-model.ts';

/** What older code wrote into the reason of a takedown a DDEX message made, before the message id. */
export const LEGACY_DDEX_REASON_MARK = 'in DDEX message ';

/** A takedown as stored anywhere: current ones carry their source; older ones carry none. */
export type StoredTakedown = Takedown | { reason: string; at: string; source?: undefined };

/** The source of a takedown stored without one: a DDEX message when its reason says so, else an operator. */
export function legacyTakedownBy(reason: string): TakedownBy {
  const mark = reason.indexOf(LEGACY_DDEX_REASON_MARK);
  return mark < 0 ? { source: 'operator' } : { source: 'ddex', messageId: reason.slice(mark + LEGACY_DDEX_REASON_MARK.length) };
}

/** The takedown with its source: as stored, or inferred for one written before sources were kept. */
export function withTakedownSource(takedown: StoredTakedown): Takedown {
  if (takedown.source === undefined) return { ...legacyTakedownBy(takedown.reason), reason: takedown.reason, at: takedown.at };
  if (takedown.source === 'operator') return { source: 'operator', reason: takedown.reason, at: takedown.at };
  if (takedown.source === 'ddex' && typeof takedown.messageId === 'string') return takedown;
  throw new CadenceError('CATALOG', `takedown source ${JSON.stringify(takedown.source)} is not 'operator' or 'ddex' with a messageId: upgrade cadence`);
}

const MARK = `'${LEGACY_DDEX_REASON_MARK}'`;

/**
 * Migration 15: track_rights rebuilt with takedown_source and takedown_message_id, so the table's
 * checks tie them to the takedown (ADD COLUMN checks would fail on the rows taken down already).
 * Those rows get the same inference as legacyTakedownBy, once; revisions are kept.
 */
export const TAKEDOWN_SOURCE_SCHEMA = `
CREATE TABLE track_rights_next (
  isrc TEXT PRIMARY KEY NOT NULL REFERENCES tracks (isrc) ON DELETE CASCADE,
  territories TEXT NOT NULL CHECK (json_valid(territories) AND json_type(territories) = 'array'),
  excluded_territories TEXT NOT NULL CHECK (json_valid(excluded_territories) AND json_type(excluded_territories) = 'array'),
  starts_at TEXT NOT NULL,
  ends_at TEXT CHECK (ends_at IS NULL OR ends_at > starts_at),
  tiers TEXT CHECK (tiers IS NULL OR (json_valid(tiers) AND json_type(tiers) = 'array')),
  takedown_reason TEXT,
  takedown_at TEXT,
  takedown_source TEXT CHECK (takedown_source IN ('operator', 'ddex')),
  takedown_message_id TEXT,
  revision INTEGER NOT NULL,
  CHECK ((takedown_reason IS NULL) = (takedown_at IS NULL)),
  CHECK ((takedown_reason IS NULL) = (takedown_source IS NULL)),
  CHECK ((takedown_message_id IS NOT NULL) = (takedown_source IS 'ddex'))
) STRICT;

INSERT INTO track_rights_next (isrc, territories, excluded_territories, starts_at, ends_at, tiers, takedown_reason, takedown_at, takedown_source, takedown_message_id, revision)
SELECT isrc, territories, excluded_territories, starts_at, ends_at, tiers, takedown_reason, takedown_at,
       CASE WHEN takedown_reason IS NULL THEN NULL WHEN instr(takedown_reason, ${MARK}) > 0 THEN 'ddex' ELSE 'operator' END,
       CASE WHEN instr(takedown_reason, ${MARK}) > 0 THEN substr(takedown_reason, instr(takedown_reason, ${MARK}) + length(${MARK})) END,
       revision
FROM track_rights;

DROP TABLE track_rights;
ALTER TABLE track_rights_next RENAME TO track_rights;
CREATE INDEX track_rights_by_revision ON track_rights (revision);
CREATE INDEX track_rights_by_start ON track_rights (starts_at);
CREATE INDEX track_rights_ending ON track_rights (ends_at) WHERE ends_at IS NOT NULL;
CREATE INDEX track_rights_taken_down ON track_rights (isrc) WHERE takedown_at IS NOT NULL;
`;
