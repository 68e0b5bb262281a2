// Splits encode jobs across worker processes, longest-processing-time first: a heuristic within
// 4/3 of the best split in general, and the best split for the real ladder at any worker count
// (see work-plan.test.ts). Each worker is one ffmpeg process that decodes the master once.

export interface CostedJob {
  cost: number;
}

export function planWorkers<Job extends CostedJob>(jobs: readonly Job[], workers: number): Job[][] {
  const count = Math.max(1, Math.min(workers, jobs.length));
  const groups: Array<{ load: number; jobs: Job[] }> = Array.from({ length: count }, () => ({ load: 0, jobs: [] }));
  for (const job of [...jobs].sort((a, b) => b.cost - a.cost)) {
    const lightest = groups.reduce((best, group) => (group.load < best.load ? group : best));
    lightest.jobs.push(job);
    lightest.load += job.cost;
  }
  return groups.map((group) => group.jobs).filter((group) => group.length > 0);
}
