import { describe, expect, it } from 'vitest';
import { formatJobs, summarizeStates } from './jobs-command.ts';
import type { JobStateName, JobView } from '../queue/types.ts';

function job(id: string, state: JobStateName): JobView {
  return {
    id,
    isrc: `GBXYZ26000${id}`,
    title: `Track ${id}`,
    upc: '0602448900000',
    delivery: 'delivery.json',
    state,
    attempts: state === 'failed' ? 1 : 0,
    lastError: state === 'failed' ? 'NOT_FOUND: the master is gone' : null,
    outcome: null,
    createdAt: '2026-12-03T00:00:00.000Z',
    finishedAt: null,
  };
}

describe('cadence jobs summary', () => {
  it('counts states in a fixed order, whichever job is listed first', () => {
    const failedFirst = [job('01', 'failed'), job('02', 'completed'), job('03', 'completed')];
    const completedFirst = [job('02', 'completed'), job('01', 'failed'), job('03', 'completed')];
    expect(summarizeStates(failedFirst)).toBe('2 completed, 1 failed');
    expect(summarizeStates(completedFirst)).toBe('2 completed, 1 failed');
    expect(summarizeStates([job('04', 'waiting'), job('05', 'active'), job('06', 'completed')])).toBe('1 active, 1 waiting, 1 completed');
  });

  it('ends the table with the summary, and says so when there are no jobs', () => {
    expect(formatJobs([])).toBe('no jobs\n');
    const table = formatJobs([job('01', 'failed'), job('02', 'completed')]);
    expect(table).toContain('failed    GBXYZ2600001 "Track 01" (release 0602448900000) — NOT_FOUND: the master is gone');
    expect(table.trimEnd().split('\n').at(-1)).toBe('1 completed, 1 failed');
  });
});
