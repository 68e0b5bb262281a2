import { describe, expect, it } from 'vitest';
import { LADDER, LOUDNESS_COST } from './ladder.ts';
import { planWorkers } from './work-plan.ts';

interface Job {
  id: number;
  cost: number;
}

function jobs(costs: number[]): Job[] {
  return costs.map((cost, id) => ({ id, cost }));
}

function loadOf(group: Job[]): number {
  return group.reduce((sum, job) => sum + job.cost, 0);
}

function maxLoad(groups: Job[][]): number {
  return Math.max(...groups.map(loadOf));
}

/** The smallest possible max load, by trying every assignment of jobs to workers. */
function bruteForceOptimum(costs: number[], workers: number): number {
  const loads = new Array<number>(workers).fill(0);
  let best = Infinity;
  const place = (index: number): void => {
    if (index === costs.length) {
      best = Math.min(best, Math.max(...loads));
      return;
    }
    for (let worker = 0; worker < workers; worker++) {
      loads[worker]! += costs[index]!;
      place(index + 1);
      loads[worker]! -= costs[index]!;
    }
  };
  place(0);
  return best;
}

/** Deterministic pseudo-random cases, so a failure can be reproduced. */
function* randomCases(count: number, maxJobs: number, maxWorkers: number): Generator<{ costs: number[]; workers: number }> {
  let seed = 20260101;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(next() * maxJobs);
    const workers = 1 + Math.floor(next() * maxWorkers);
    yield { costs: Array.from({ length: n }, () => 1 + Math.floor(next() * 20) / 2), workers };
  }
}

const ladderJobs = [...LADDER.map((profile) => profile.cost), LOUDNESS_COST];

describe('planWorkers', () => {
  it('assigns every job exactly once, keeping the job objects themselves', () => {
    for (const { costs, workers } of randomCases(300, 8, 6)) {
      const input = jobs(costs);
      const groups = planWorkers(input, workers);
      const assigned = groups.flat();
      expect(assigned).toHaveLength(input.length);
      expect(new Set(assigned)).toEqual(new Set(input));
    }
  });

  it('never makes more groups than jobs or workers, and never an empty group', () => {
    for (const { costs, workers } of randomCases(300, 8, 6)) {
      const groups = planWorkers(jobs(costs), workers);
      expect(groups.length).toBeLessThanOrEqual(Math.min(costs.length, workers));
      expect(groups.length).toBeGreaterThanOrEqual(1);
      for (const group of groups) expect(group.length).toBeGreaterThan(0);
    }
  });

  it('uses one worker per job when there are at least as many workers as jobs', () => {
    const groups = planWorkers(jobs([4.6, 3.6, 2.3, 0.5, 1.1]), 16);
    expect(groups).toHaveLength(5);
    for (const group of groups) expect(group).toHaveLength(1);
  });

  it('puts everything in one group for a single worker (or a nonsensical worker count)', () => {
    for (const workers of [1, 0, -3]) {
      const groups = planWorkers(jobs([1, 2, 3]), workers);
      expect(groups).toHaveLength(1);
      expect(groups[0]!.map((job) => job.id).sort()).toEqual([0, 1, 2]);
    }
  });

  it('returns no groups when there is nothing to do', () => {
    expect(planWorkers([], 4)).toEqual([]);
  });

  it('splits longest-first: 5,4,3,3 on two workers gives loads 8 and 7', () => {
    const groups = planWorkers(jobs([3, 5, 3, 4]), 2);
    expect(groups.map(loadOf).sort((a, b) => a - b)).toEqual([7, 8]);
  });

  it('gives the actual ladder (three AAC encodes, FLAC, loudness) the best possible split at every worker count', () => {
    for (let workers = 1; workers <= 6; workers++) {
      const groups = planWorkers(jobs(ladderJobs), workers);
      expect(maxLoad(groups)).toBeCloseTo(bruteForceOptimum(ladderJobs, workers), 9);
    }
  });

  it('is optimal (brute force) whenever there are at most one more job than workers', () => {
    for (const { costs, workers } of randomCases(400, 6, 5)) {
      if (costs.length > workers + 1) continue;
      expect(maxLoad(planWorkers(jobs(costs), workers)), `costs ${costs} on ${workers}`).toBeCloseTo(
        bruteForceOptimum(costs, workers),
        9,
      );
    }
  });

  it('stays within the LPT guarantee (4/3 - 1/3m of the brute-force optimum) for up to 6 jobs', () => {
    for (const { costs, workers } of randomCases(400, 6, 4)) {
      const optimum = bruteForceOptimum(costs, workers);
      const planned = maxLoad(planWorkers(jobs(costs), workers));
      expect(planned).toBeGreaterThanOrEqual(optimum - 1e-9);
      expect(planned, `costs ${costs} on ${workers}`).toBeLessThanOrEqual((4 / 3 - 1 / (3 * workers)) * optimum + 1e-9);
    }
  });
});
