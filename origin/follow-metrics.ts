// Metrics of a node that follows others (issue 12 part 7): where its catalog stands in the publish
// journal and how far behind it is, and the shared plays it sent and applied. Read at scrape time
// from sources the serve command wires in; a value not known yet (nothing applied so far) is NaN.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { NodeFollowStatus, PlaySink } from './types.ts';

const PREFIX = 'cadence_';

export interface FollowMetricsSources {
  follow?: () => NodeFollowStatus | null;
  plays?: PlaySink;
  /** Epoch ms. */
  now?: () => number;
}

/** A counter whose value is a total kept elsewhere: set to it at each collection. */
function totalCounter(registry: Registry, name: string, help: string, read: () => number | null | undefined): void {
  new Counter({
    name: `${PREFIX}${name}`,
    help,
    registers: [registry],
    collect() {
      const value = read();
      this.reset();
      if (value != null) this.inc(value);
    },
  });
}

function gauge(registry: Registry, name: string, help: string, read: () => number | null | undefined): void {
  new Gauge({
    name: `${PREFIX}${name}`,
    help,
    registers: [registry],
    collect() {
      // An unlabelled series is always rendered: NaN says "not known yet" where 0 would mislead.
      this.set(read() ?? Number.NaN);
    },
  });
}

export function registerFollowMetrics(registry: Registry, { follow, plays, now = Date.now }: FollowMetricsSources): void {
  if (follow) {
    const journal = () => follow()?.journal;
    const secondsSince = (at: number | null | undefined) => (at == null ? null : Math.max(0, (now() - at) / 1000));
    totalCounter(registry, 'journal_entries_applied_total', 'Publish journal entries this node applied to its catalog since it started.', () => journal()?.applied);
    gauge(registry, 'journal_position', 'The newest journal entry number in this node\'s catalog.', () => journal()?.position);
    gauge(registry, 'journal_newest_seen', 'The newest journal entry number this node knows exists (announced over Redis, or applied).', () => journal()?.newestSeen);
    gauge(registry, 'journal_lag_entries', 'Entries known to exist that this node has not applied yet.', () => {
      const status = journal();
      return status ? status.newestSeen - status.position : null;
    });
    gauge(registry, 'journal_last_applied_timestamp_seconds', 'When this node last applied a journal entry (Unix time).', () => {
      const at = journal()?.lastAppliedAt;
      return at == null ? null : at / 1000;
    });
    gauge(registry, 'journal_seconds_since_applied', 'Seconds since this node last applied a journal entry.', () => secondsSince(journal()?.lastAppliedAt));
    gauge(registry, 'journal_last_poll_timestamp_seconds', 'When this node last read the journal successfully (Unix time); stale when storage fails.', () => {
      const at = journal()?.lastPollAt;
      return at == null ? null : at / 1000;
    });
    gauge(registry, 'journal_seconds_since_poll', 'Seconds since this node last read the journal successfully.', () => secondsSince(journal()?.lastPollAt));
    totalCounter(registry, 'play_stream_entries_applied_total', 'Shared play stream entries this node added to its catalog since it started.', () => follow()?.playStream?.applied);
  }
  const status = plays?.status;
  if (status) {
    totalCounter(registry, 'plays_sent_total', 'Plays this process sent to the shared play stream.', () => status().sent);
    gauge(registry, 'plays_held', 'Plays held in memory because Redis has not taken them yet.', () => status().pending);
    totalCounter(registry, 'plays_dropped_total', 'Plays given up (held-tracks bound reached, or Redis away at shutdown).', () => status().dropped);
  }
}
