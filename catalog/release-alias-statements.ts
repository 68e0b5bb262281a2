// A release's other ids (ReleaseRecord.aliases): the ICPN, GRid or proprietary id a release was
// later delivered with, beside the id it was first given (releases.upc, which never changes). One
// row per alias, kept as the union of every publish that named it: a later publish without them
// (a JSON delivery, an older message's facts) never forgets one, so a writer, a node following the
// journal and a reindex (which publishes every stored fact) hold the same set.

import type BetterSqlite3 from 'better-sqlite3';
import { sameIdForms } from './release-id.ts';
import type { ReleaseRecord } from './types.ts';

// Migration 16 (IF NOT EXISTS: tests re-run older migrations, and this one after them). An alias names one release; no release's own id is an alias (checked when a
// publish is decided, aliasConflict below: the journal only carries decided publishes).
export const RELEASE_ALIASES_SCHEMA = `
CREATE TABLE IF NOT EXISTS release_aliases (
  alias TEXT PRIMARY KEY NOT NULL,
  upc TEXT NOT NULL REFERENCES releases (upc) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS release_aliases_by_release ON release_aliases (upc);
`;

export interface ReleaseAliasStatements {
  /** The release's aliases, sorted (none: empty). */
  aliasesOf(upc: string): string[];
  /** Catalog.resolveRelease. */
  resolve(id: string): string | null;
  /** Records the record's aliases for its release (inside the caller's transaction, after the release row). */
  record(release: Pick<ReleaseRecord, 'upc' | 'aliases'>): void;
  /** Why this release may not be published with these aliases (one is another release's id or alias), or null. */
  aliasConflict(release: Pick<ReleaseRecord, 'upc' | 'aliases'>): string | null;
}

export function prepareReleaseAliases(db: BetterSqlite3.Database): ReleaseAliasStatements {
  const aliasesOf = db.prepare<[string], string>('SELECT alias FROM release_aliases WHERE upc = ? ORDER BY alias').pluck();
  const isRelease = db.prepare<[string], number>('SELECT 1 FROM releases WHERE upc = ?').pluck();
  const releaseOfAlias = db.prepare<[string], string>('SELECT upc FROM release_aliases WHERE alias = ?').pluck();
  const insert = db.prepare<[string, string]>('INSERT INTO release_aliases (alias, upc) VALUES (?, ?) ON CONFLICT (alias) DO NOTHING');

  const resolveExact = (id: string): string | null => (isRelease.get(id) !== undefined ? id : (releaseOfAlias.get(id) ?? null));
  // A UPC-A finds a release known by its EAN-13 spelling, and the other way round.
  const resolve = (id: string): string | null => {
    for (const form of sameIdForms(id)) {
      const release = resolveExact(form);
      if (release !== null) return release;
    }
    return null;
  };
  return {
    aliasesOf: (upc) => aliasesOf.all(upc),
    resolve,
    record({ upc, aliases = [] }) {
      for (const alias of aliases) if (alias !== upc) insert.run(alias, upc);
    },
    aliasConflict({ upc, aliases = [] }) {
      const own = releaseOfAlias.get(upc);
      if (own !== undefined && own !== upc) return `release ${upc} is already known as release ${own} (one of its ids); deliver it as ${own}`;
      for (const alias of aliases) {
        if (alias === upc) continue;
        const owner = resolve(alias);
        if (owner !== null && owner !== upc) return `release ${upc} cannot also be known as ${alias}: that id is release ${owner}'s`;
      }
      return null;
    },
  };
}
