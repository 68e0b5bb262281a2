// Splits encode jobs across worker processes so the slowest worker finishes as early as possible:
// longest-processing-time-first, each worker one ffmpeg process that decodes the master once.

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
