// Plays shared between origin nodes (issue 12 part 6): each node adds the counts it reads from the
// Redis play stream to its own catalog. The last stream entry applied is kept in the same
// transaction as the counts, so a node counts every entry exactly once, across restarts and even
// with several processes reading the stream into one catalog file.

import type BetterSqlite3 from 'better-sqlite3';
import type { Catalog, PlayStreamEvent } from './types.ts';

export type PlayStreamStatements = Pick<Catalog, 'playStreamPosition' | 'applyPlayEvents'>;

// Migration 13 (number 12 belongs to another branch's cover art; the lead renumbers on merge).
// IF NOT EXISTS: tests that step a catalog back to an older user_version run it again.
export const PLAY_STREAM_SCHEMA = `
CREATE TABLE IF NOT EXISTS play_stream_position (
  stream TEXT PRIMARY KEY NOT NULL,
  last_id TEXT NOT NULL
) STRICT;
`;

/** Orders Redis stream ids (`<ms>-<seq>`), which do not sort as strings. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

export function preparePlayStream(db: BetterSqlite3.Database, recordPlays: (counts: ReadonlyArray<{ isrc: string; plays: number }>) => void): PlayStreamStatements {
  const position = db.prepare<[string], string>('SELECT last_id FROM play_stream_position WHERE stream = ?').pluck();
  const advance = db.prepare<[string, string]>(
    'INSERT INTO play_stream_position (stream, last_id) VALUES (?, ?) ON CONFLICT (stream) DO UPDATE SET last_id = excluded.last_id',
  );
  const apply = db.transaction((stream: string, events: readonly PlayStreamEvent[]): number => {
    // Read under the write lock: what another process applied meanwhile is skipped, not added again.
    let last = position.get(stream) ?? null;
    const totals = new Map<string, number>();
    let applied = 0;
    for (const event of events) {
      if (last !== null && compareStreamIds(event.id, last) <= 0) continue;
      for (const { isrc, plays } of event.counts) totals.set(isrc, (totals.get(isrc) ?? 0) + plays);
      last = event.id;
      applied += 1;
    }
    if (applied === 0) return 0;
    // recordPlays is a transaction of its own: inside this one it runs as a savepoint.
    recordPlays([...totals].map(([isrc, plays]) => ({ isrc, plays })));
    advance.run(stream, last!);
    return applied;
  });
  return {
    playStreamPosition: (stream) => position.get(stream) ?? null,
    applyPlayEvents: (stream, events) => apply.immediate(stream, events),
  };
}
