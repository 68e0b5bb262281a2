// Applying the publish journal to this catalog: each entry and the position that records it in
// one transaction, strictly in order.

import type BetterSqlite3 from 'better-sqlite3';
import { CadenceError } from '../errors/cadence-error.ts';
import type { MembershipStatements } from './membership-statements.ts';
import type { PublishStatements } from './publish-transaction.ts';
import type { RightsStatements } from './rights-statements.ts';
import type { Catalog, JournalEntry, JournalPosition } from './types.ts';

export type JournalStatements = Pick<Catalog, 'applyJournalEntry' | 'journalPosition' | 'setJournalPosition' | 'snapshotTo'>;

export function prepareJournal(db: BetterSqlite3.Database, { publish, rights, membership }: { publish: PublishStatements; rights: RightsStatements; membership: MembershipStatements }): JournalStatements {
  const position = db.prepare<[], { number: number; entry_at: string | null }>('SELECT number, entry_at FROM journal_position WHERE id = 1');
  const advance = db.prepare<[number, string | null]>('UPDATE journal_position SET number = ?, entry_at = ? WHERE id = 1');
  const read = (): JournalPosition => {
    const row = position.get()!;
    return { number: row.number, entryAt: row.entry_at };
  };

  const apply = db.transaction((entry: JournalEntry): boolean => {
    const current = read().number;
    if (entry.number <= current) return false;
    if (entry.number !== current + 1) {
      throw new CadenceError('CATALOG', `journal entry ${entry.number} cannot follow ${current}: entries must be applied in order`);
    }
    switch (entry.change.kind) {
      case 'publish':
        publish.applyDecided(entry.change.input);
        break;
      case 'availability':
        rights.applyTakedown(entry.change.isrcs, entry.change.takedown);
        break;
      case 'release-tracks':
        membership.removeFromRelease(entry.change.upc, entry.change.removed);
        break;
      default:
        throw new CadenceError('CATALOG', `journal entry ${entry.number} has an unknown kind ${JSON.stringify((entry.change as { kind: unknown }).kind)}: upgrade cadence`);
    }
    advance.run(entry.number, entry.at);
    return true;
  });

  return {
    applyJournalEntry: (entry) => apply.immediate(entry),
    journalPosition: read,
    setJournalPosition: ({ number, entryAt }) => void advance.run(number, entryAt),
    snapshotTo: (path) => void db.prepare('VACUUM INTO ?').run(path),
  };
}
