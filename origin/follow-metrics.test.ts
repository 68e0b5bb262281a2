// The node-following series on /metrics: read from the follower's status at scrape time, NaN
// while there is no status yet.
import { describe, expect, it } from 'vitest';
import { createOriginMetrics } from './metrics.ts';
import { registerFollowMetrics } from './follow-metrics.ts';
import type { NodeFollowStatus } from './types.ts';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('follow metrics', () => {
  it('reports journal position, lag and times, and shared plays, as the status says at scrape time', async () => {
    const metrics = createOriginMetrics({ defaultMetrics: false });
    let status: NodeFollowStatus | null = null;
    const plays = { sent: 0, pending: 0, dropped: 0 };
    registerFollowMetrics(metrics.registry, {
      follow: () => status,
      plays: { write() {}, status: () => plays },
      now: () => 1_000_000,
    });
    let body = (await metrics.render()).body;
    expect(sample(body, 'cadence_journal_position')).toBeNaN();
    expect(sample(body, 'cadence_journal_seconds_since_applied')).toBeNaN();
    expect(sample(body, 'cadence_plays_sent_total')).toBe(0);

    status = { journal: { applied: 7, position: 12, newestSeen: 15, lastAppliedAt: 990_000, lastPollAt: 999_500 }, playStream: { applied: 4 } };
    Object.assign(plays, { sent: 30, pending: 2, dropped: 1 });
    body = (await metrics.render()).body;
    expect(sample(body, 'cadence_journal_entries_applied_total')).toBe(7);
    expect(sample(body, 'cadence_journal_position')).toBe(12);
    expect(sample(body, 'cadence_journal_newest_seen')).toBe(15);
    expect(sample(body, 'cadence_journal_lag_entries')).toBe(3);
    expect(sample(body, 'cadence_journal_seconds_since_applied')).toBe(10);
    expect(sample(body, 'cadence_journal_seconds_since_poll')).toBe(0.5);
    expect(sample(body, 'cadence_journal_last_poll_timestamp_seconds')).toBe(999.5);
    expect(sample(body, 'cadence_play_stream_entries_applied_total')).toBe(4);
    expect(sample(body, 'cadence_plays_sent_total')).toBe(30);
    expect(sample(body, 'cadence_plays_held')).toBe(2);
    expect(sample(body, 'cadence_plays_dropped_total')).toBe(1);

    // A second scrape reports the totals, not their sum twice.
    body = (await metrics.render()).body;
    expect(sample(body, 'cadence_journal_entries_applied_total')).toBe(7);
  });
});
