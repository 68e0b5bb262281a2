// Rights and availability per track (listeners/rights-model.ts): the licence a delivery gave each
// track, and a takedown that overrides it until restored. One row per published track in
// track_rights, written by the publish transaction and by `cadence takedown`/`restore`.

import type BetterSqlite3 from 'better-sqlite3';
import { CadenceError } from '../errors/cadence-error.ts';
import type { Takedown, TakedownSource, TrackRights } from '../listeners/rights-model.ts';
import { releaseRights } from './default-rights.ts';
import { type StoredTakedown, withTakedownSource } from './takedown-source.ts';
import type { PublishInput, TakedownTarget, TrackAvailability } from './types.ts';

const JSON_ARRAY = (column: string) => `json_valid(${column}) AND json_type(${column}) = 'array'`;

/**
 * Migration 11's table (migration 15, takedown-source.ts, rebuilds it with who made each
 * takedown). Every write sets `revision` above all others (as search_docs does), so a
 * copy in memory (searchVisibility) catches up by reading the rows above the highest it holds.
 * Existing tracks get their release's territories from its date, no end, every tier: what the
 * catalog meant before rights were stored.
 */
export const RIGHTS_SCHEMA = `
CREATE TABLE track_rights (
  isrc TEXT PRIMARY KEY NOT NULL REFERENCES tracks (isrc) ON DELETE CASCADE,
  territories TEXT NOT NULL CHECK (${JSON_ARRAY('territories')}),
  excluded_territories TEXT NOT NULL CHECK (${JSON_ARRAY('excluded_territories')}),
  starts_at TEXT NOT NULL,
  ends_at TEXT CHECK (ends_at IS NULL OR ends_at > starts_at),
  tiers TEXT CHECK (tiers IS NULL OR (${JSON_ARRAY('tiers')})),
  takedown_reason TEXT,
  takedown_at TEXT,
  revision INTEGER NOT NULL,
  CHECK ((takedown_reason IS NULL) = (takedown_at IS NULL))
) STRICT;
CREATE INDEX track_rights_by_revision ON track_rights (revision);
CREATE INDEX track_rights_by_start ON track_rights (starts_at);
CREATE INDEX track_rights_ending ON track_rights (ends_at) WHERE ends_at IS NOT NULL;
CREATE INDEX track_rights_taken_down ON track_rights (isrc) WHERE takedown_at IS NOT NULL;

INSERT INTO track_rights (isrc, territories, excluded_territories, starts_at, ends_at, tiers, revision)
SELECT t.isrc,
       (SELECT json_group_array(territory) FROM (SELECT territory FROM release_territories WHERE upc = t.upc ORDER BY position)),
       '[]', r.release_date || 'T00:00:00.000Z', NULL, NULL, t.rowid
FROM tracks t JOIN releases r ON r.upc = t.upc;
`;

const NEXT_REVISION = '(SELECT coalesce(max(revision), 0) + 1 FROM track_rights)';

// Only a change writes (and moves the revision): a re-publish of the same facts touches nothing.
const UPSERT_RIGHTS = `
INSERT INTO track_rights (isrc, territories, excluded_territories, starts_at, ends_at, tiers, revision)
VALUES (@isrc, @territories, @excludedTerritories, @startsAt, @endsAt, @tiers, ${NEXT_REVISION})
ON CONFLICT (isrc) DO UPDATE SET
  territories = excluded.territories, excluded_territories = excluded.excluded_territories,
  starts_at = excluded.starts_at, ends_at = excluded.ends_at, tiers = excluded.tiers, revision = excluded.revision
WHERE (track_rights.territories, track_rights.excluded_territories, track_rights.starts_at, track_rights.ends_at, track_rights.tiers)
  IS NOT (excluded.territories, excluded.excluded_territories, excluded.starts_at, excluded.ends_at, excluded.tiers)`;

// A DDEX message never replaces an operator's takedown (a purge names the whole release): the
// track stays the operator's, so no later message lifts it; only a restore does.
const SET_TAKEDOWN = `
UPDATE track_rights SET takedown_reason = @reason, takedown_at = @at, takedown_source = @source, takedown_message_id = @messageId, revision = ${NEXT_REVISION}
WHERE isrc = @isrc AND (takedown_reason, takedown_at, takedown_source, takedown_message_id) IS NOT (@reason, @at, @source, @messageId)
  AND NOT (@source IS 'ddex' AND takedown_source IS 'operator')`;

interface RightsRow {
  territories: string;
  excluded_territories: string;
  starts_at: string;
  ends_at: string | null;
  tiers: string | null;
  takedown_reason: string | null;
  takedown_at: string | null;
  /** Migration 15: set exactly when taken down. */
  takedown_source: TakedownSource | null;
  takedown_message_id: string | null;
}

export interface RightsStatements {
  /** Inside the publish transaction: the input's rights, or its release's when it has none. */
  writeRights(input: PublishInput): void;
  availability(isrc: string): TrackAvailability | null;
  releaseTakedowns(upc: string): Array<Takedown | null>;
  setTakedown(target: TakedownTarget, takedown: Takedown | null): string[];
  takedownTargets(target: TakedownTarget, takedown: Takedown | null): string[];
  /**
   * Inside a journal entry's transaction: the writer resolved the ISRCs against the same history,
   * so each is here; one that is not (a catalog rebuilt without it) is skipped rather than
   * stopping this node from following the journal. An entry written before takedowns carried
   * their source gets the inferred one (takedown-source.ts). Returns the ISRCs changed.
   */
  applyTakedown(isrcs: readonly string[], takedown: StoredTakedown | null): string[];
}

export function prepareRights(db: BetterSqlite3.Database): RightsStatements {
  const upsert = db.prepare(UPSERT_RIGHTS);
  const read = db.prepare<[string], RightsRow>('SELECT * FROM track_rights WHERE isrc = ?');
  const setTakedown = db.prepare(SET_TAKEDOWN);
  const published = db.prepare<[string], string>('SELECT isrc FROM tracks WHERE isrc = ? AND current_version IS NOT NULL').pluck();
  // Every track on the release (release_tracks, migration 8), whichever release owns it.
  const ofRelease = db.prepare<[string], string>(
    'SELECT t.isrc FROM release_tracks m JOIN tracks t ON t.isrc = m.isrc WHERE m.upc = ? AND t.current_version IS NOT NULL ORDER BY t.isrc',
  ).pluck();

  // One statement for the cover route's gate (origin/release-gate.ts): the published tracks the
  // release lists, whichever release owns them, each with its takedown or none.
  const releaseTakedowns = db.prepare<[string], RightsRow>(
    'SELECT r.* FROM release_tracks m JOIN tracks t ON t.isrc = m.isrc JOIN track_rights r ON r.isrc = m.isrc WHERE m.upc = ? AND t.current_version IS NOT NULL ORDER BY m.isrc',
  );

  const sourceOf = db.prepare<[string], TakedownSource | null>('SELECT takedown_source FROM track_rights WHERE isrc = ?').pluck();
  // What the change applies to: a DDEX takedown never replaces an operator's (SET_TAKEDOWN keeps it
  // too), so those tracks are not its targets and no report or journal entry names them.
  const targets = (target: TakedownTarget, takedown: Takedown | null): string[] => {
    const isrcs = 'upc' in target ? ofRelease.all(target.upc) : target.isrcs;
    if ('upc' in target && isrcs.length === 0) throw new CadenceError('NOT_FOUND', `no published release ${target.upc} in the catalog`);
    for (const isrc of isrcs) if (published.get(isrc) === undefined) throw new CadenceError('NOT_FOUND', `no published track ${isrc} in the catalog`);
    return takedown?.source === 'ddex' ? isrcs.filter((isrc) => sourceOf.get(isrc) !== 'operator') : isrcs;
  };
  const write = (isrcs: readonly string[], takedown: Takedown | null): void => {
    const at = takedown ? instant(takedown.at, 'takedown time') : null;
    const source = takedown?.source ?? null;
    const messageId = takedown?.source === 'ddex' ? takedown.messageId : null;
    for (const isrc of isrcs) setTakedown.run({ isrc, reason: takedown?.reason ?? null, at, source, messageId });
  };
  const change = db.transaction((target: TakedownTarget, takedown: Takedown | null): string[] => {
    const isrcs = targets(target, takedown);
    write(isrcs, takedown);
    return isrcs;
  });

  return {
    writeRights({ track, release, rights }) {
      const wanted = rights ?? releaseRights(release);
      upsert.run({
        isrc: track.isrc,
        territories: JSON.stringify(wanted.territories),
        excludedTerritories: JSON.stringify(wanted.excludedTerritories),
        startsAt: instant(wanted.startsAt, `${track.isrc} rights startsAt`),
        endsAt: wanted.endsAt === null ? null : instant(wanted.endsAt, `${track.isrc} rights endsAt`),
        tiers: wanted.tiers === null ? null : JSON.stringify(wanted.tiers),
      });
    },
    availability(isrc) {
      const row = read.get(isrc);
      if (!row) return null;
      return {
        rights: {
          territories: JSON.parse(row.territories) as string[],
          excludedTerritories: JSON.parse(row.excluded_territories) as string[],
          startsAt: row.starts_at,
          endsAt: row.ends_at,
          tiers: row.tiers === null ? null : (JSON.parse(row.tiers) as string[]),
        },
        takedown: takedownOf(row),
      };
    },
    releaseTakedowns: (upc) => releaseTakedowns.all(upc).map(takedownOf),
    setTakedown: (target, takedown) => change.immediate(target, takedown),
    takedownTargets: (target, takedown) => db.transaction(targets).deferred(target, takedown),
    applyTakedown(isrcs, takedown) {
      const present = isrcs.filter((isrc) => published.get(isrc) !== undefined);
      write(present, takedown === null ? null : withTakedownSource(takedown));
      return present;
    },
  };
}

/** The row's takedown; the table's checks keep the four columns set together (migration 15). */
function takedownOf({ takedown_reason: reason, takedown_at: at, takedown_source: source, takedown_message_id: messageId }: RightsRow): Takedown | null {
  if (reason === null || at === null || source === null) return null;
  return source === 'ddex' ? { source, messageId: messageId!, reason, at } : { source, reason, at };
}

/** One spelling per instant (toISOString), so stored times compare as text. */
function instant(value: string, what: string): string {
  const time = Date.parse(value);
  if (!Number.isFinite(time)) throw new CadenceError('CATALOG', `${what}: ${JSON.stringify(value)} is not an instant`);
  return new Date(time).toISOString();
}

/** Which tracks search must leave out right now (see searchVisibility). */
export interface SearchVisibility {
  /** Catches up with every commit so far, then answers for `now`: true = leave the track out. */
  hiddenAt(now: Date): (rowid: number) => boolean;
}

/** Rows read per statement while loading or catching up. */
const BATCH = 10_000;

interface Window {
  starts: number;
  /** Infinity when open-ended. */
  ends: number;
  down: boolean;
}

/**
 * The tracks that are not simply listable forever: not started yet, with an end date, or taken
 * down (a small share of a catalog), by tracks.rowid, kept current by track_rights' revisions.
 * A track outside that set stays listable, since time only moves forward: any later change to it
 * is a new revision, read at the next search. Search checks candidates against it (one Map probe
 * each, none when the set is empty).
 */
export function searchVisibility(db: BetterSqlite3.Database): SearchVisibility {
  const latest = db.prepare<[], number>('SELECT coalesce(max(revision), 0) FROM track_rights').pluck();
  const columns = 't.rowid, r.starts_at, r.ends_at, r.takedown_at IS NOT NULL, r.revision FROM track_rights r JOIN tracks t ON t.isrc = r.isrc';
  type Row = [number, string, string | null, number, number];
  const restricted = [
    db.prepare<[string], Row>(`SELECT ${columns} WHERE r.starts_at > ?`).raw(),
    db.prepare<[], Row>(`SELECT ${columns} WHERE r.ends_at IS NOT NULL`).raw(),
    db.prepare<[], Row>(`SELECT ${columns} WHERE r.takedown_at IS NOT NULL`).raw(),
  ] as const;
  const changed = db.prepare<[number], Row>(`SELECT ${columns} WHERE r.revision > ? ORDER BY r.revision LIMIT ${BATCH}`).raw();

  const windows = new Map<number, Window>();
  const put = ([rowid, startsAt, endsAt, down]: Row, at: number): void => {
    const window: Window = { starts: Date.parse(startsAt), ends: endsAt === null ? Infinity : Date.parse(endsAt), down: down === 1 };
    if (window.down || window.ends !== Infinity || window.starts > at) windows.set(rowid, window);
    else windows.delete(rowid);
  };

  // Loaded by the first search, so commands that never search pay nothing. The revision is read
  // first: a row written while the sets are read has a higher one, and is read again.
  let revision = -1;
  const load = (at: Date): void => {
    revision = latest.get() ?? 0;
    for (const row of restricted[0].all(at.toISOString())) put(row, at.getTime());
    for (const row of restricted[1].all()) put(row, at.getTime());
    for (const row of restricted[2].all()) put(row, at.getTime());
  };

  const hidden = (window: Window | undefined, at: number): boolean => window !== undefined && (window.down || at < window.starts || at >= window.ends);
  return {
    hiddenAt(when) {
      const at = when.getTime();
      if (revision < 0) load(when);
      for (;;) {
        const rows = changed.all(revision);
        for (const row of rows) {
          put(row, at);
          revision = row[4];
        }
        if (rows.length < BATCH) break;
      }
      return (rowid) => windows.size > 0 && hidden(windows.get(rowid), at);
    },
  };
}
