import { describe, expect, it } from 'vitest';
import type { MessageInfo } from '../ddex/types.ts';
import type { DdexOutcome } from '../pipeline/ddex-apply.ts';
import { formatResult, type MessageResult, resultJson } from './ddex-ingest.ts';

const message: MessageInfo = { kind: 'new', ernVersion: '4.3', id: 'ALBUM-2', threadId: null, createdAt: '2026-12-02T09:00:00.000Z', sender: { partyId: null, name: null }, recipients: [], controlType: null };
const base: MessageResult = { file: 'in/ALBUM-2.xml', message, upc: '012345678905', aliases: [], status: 'valid', problems: [], warnings: [], outcome: null, preview: null, error: null };

describe('DDEX ingest summaries', () => {
  it('say a NewReleaseMessage for a known release was applied as an update, and which tracks left the release', () => {
    const outcome: DdexOutcome = { messageId: 'ALBUM-2', kind: 'new', appliedAs: 'update', createdAt: message.createdAt, upc: '012345678905', status: 'applied', newer: null, report: null, takenDown: ['GBAYE2600003'], restored: [], dropped: ['GBAYE2600003'], onNoRelease: ['GBAYE2600003'] };
    const applied = { ...base, status: 'applied' as const, outcome };
    expect(formatResult(applied)).toBe(
      'ALBUM-2 (update, declared as a new release, created 2026-12-02T09:00:00.000Z): applied (release 012345678905)\n' +
        '  taken down: GBAYE2600003\n' +
        '  no longer on release 012345678905: GBAYE2600003 (on no release, taken down: GBAYE2600003)\n',
    );
    expect(resultJson(applied)).toMatchObject({ message: { kind: 'new', appliedAs: 'update' }, dropped: ['GBAYE2600003'], onNoRelease: ['GBAYE2600003'], stale: false });
  });

  it('a dry run says when the message would be stale, and still that it is valid', () => {
    const stale = { ...base, preview: { appliedAs: 'update' as const, newer: { messageId: 'ALBUM-3', createdAt: '2026-12-02T10:00:00.000Z' } } };
    expect(formatResult(stale)).toMatch(/^ALBUM-2 \(update, declared as a new release, created .*\): dry run: in\/ALBUM-2.xml is valid; nothing was encoded or published\n  stale: release 012345678905 already has the newer message ALBUM-3 \(created 2026-12-02T10:00:00.000Z\); ingesting this one would record it and change nothing\n$/);
    expect(resultJson(stale)).toMatchObject({ ok: true, status: 'valid', stale: true, newer: { messageId: 'ALBUM-3' } });
    const fresh = { ...base, preview: { appliedAs: 'new' as const, newer: null } };
    expect(formatResult(fresh)).not.toMatch(/stale/);
    expect(resultJson(fresh)).toMatchObject({ stale: false, newer: null, message: { appliedAs: 'new' } });
  });
});
