import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ackFileName, acknowledgement, writeAcknowledgement } from './ddex-ack.ts';

describe('acknowledgements', () => {
  it('are named after the MessageId, with characters a file name cannot hold replaced', () => {
    expect(ackFileName({ messageId: 'MSG-2026/12:01', file: 'x/message.xml' })).toBe('MSG-2026_12_01.json');
    expect(ackFileName({ messageId: null, file: 'incoming/0602448900000/message.xml' })).toMatch(/^unreadable-0602448900000-[0-9a-f]{8}\.json$/);
  });

  it('list every problem with its location, and are written whole', async () => {
    const ack = acknowledgement(
      { file: 'r/message.xml', message: null, status: 'refused', problems: [{ where: '/NewReleaseMessage/ReleaseList/Release/ReleaseId/ICPN', code: 'BAD_ICPN', message: 'bad check digit' }] },
      new Date('2026-12-03T10:00:00Z'),
    );
    expect(ack).toMatchObject({ status: 'refused', messageId: null, problems: [{ code: 'BAD_ICPN', location: '/NewReleaseMessage/ReleaseList/Release/ReleaseId/ICPN', message: 'bad check digit' }], acknowledgedAt: '2026-12-03T10:00:00.000Z' });
    const dir = await mkdtemp(join(tmpdir(), 'cadence-acks-'));
    try {
      const path = await writeAcknowledgement(join(dir, 'acks'), ack);
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(ack);
      expect(await readdir(join(dir, 'acks'))).toEqual([ackFileName(ack)]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('say a NewReleaseMessage for a known release was applied as an update, and which tracks left the release', () => {
    const message = { kind: 'new' as const, ernVersion: '4.3' as const, id: 'ALBUM-2', threadId: null, createdAt: '2026-12-02T09:00:00.000Z', sender: { partyId: null, name: null }, recipients: [], controlType: null };
    const outcome = { messageId: 'ALBUM-2', kind: 'new' as const, appliedAs: 'update' as const, createdAt: message.createdAt, upc: '012345678905', status: 'applied' as const, newer: null, report: null, takenDown: ['GBAYE2600003'], restored: [], dropped: ['GBAYE2600003'], onNoRelease: ['GBAYE2600003'] };
    expect(acknowledgement({ file: 'a.xml', message, status: 'applied', outcome })).toMatchObject({ messageKind: 'update', declaredKind: 'new', dropped: ['GBAYE2600003'], onNoRelease: ['GBAYE2600003'], stale: false, newerMessage: null });
    // A dry run names the newer message already applied: the message would be stale.
    const preview = { appliedAs: 'update' as const, newer: { messageId: 'ALBUM-3', createdAt: '2026-12-02T10:00:00.000Z' } };
    expect(acknowledgement({ file: 'a.xml', message, status: 'valid', preview })).toMatchObject({ status: 'valid', messageKind: 'update', declaredKind: 'new', stale: true, newerMessage: preview.newer });
  });
});
