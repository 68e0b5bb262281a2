// `cadence worker` and `cadence jobs`: the commands that only make sense with CADENCE_QUEUE.
// Their modules (BullMQ, ioredis) load when one of them runs, so other commands start as fast.

import type { Command } from 'commander';
import { CadenceError } from '../errors/cadence-error.ts';
import type { RedisTarget } from '../queue/types.ts';
import type { CadenceConfig } from './config.ts';

export interface QueueCommandHelpers {
  positiveInteger(value: string): number;
  positiveNumber(value: string): number;
  writeJson(value: unknown): void;
}

export function requireQueue(config: CadenceConfig, command: string): RedisTarget {
  if (!config.queue) throw new CadenceError('BAD_INPUT', `cadence ${command} needs CADENCE_QUEUE=redis://host:port[/db] (the queue it works on)`);
  return config.queue;
}

export function registerQueueCommands(program: Command, config: CadenceConfig, helpers: QueueCommandHelpers): void {
  program
    .command('worker')
    .description('take ingest jobs from the queue (CADENCE_QUEUE): package, upload and publish tracks')
    .option('--concurrency <n>', 'jobs at once in this process', helpers.positiveInteger, 1)
    .option('--metrics-port <n>', 'serve Prometheus metrics on GET /metrics at this port', helpers.positiveInteger)
    .option('--metrics-host <host>', 'address for the metrics endpoint', '127.0.0.1')
    .option('--grace <seconds>', 'on SIGTERM, let running jobs finish this long before handing them back', helpers.positiveNumber, 20)
    .option('--max-duration <seconds>', 'refuse masters longer than this', helpers.positiveNumber, config.maxDurationSeconds)
    .action(async (options: { concurrency: number; metricsPort?: number; metricsHost: string; grace: number; maxDuration: number }) => {
      const redis = requireQueue(config, 'worker');
      const { runWorker } = await import('./worker-command.ts');
      await runWorker({ config, redis, ...options });
    });

  program
    .command('jobs')
    .description('list the ingest jobs in the queue (CADENCE_QUEUE) and their states')
    .option('--limit <n>', 'at most this many jobs', helpers.positiveInteger, 1000)
    .option('--json', 'print one JSON document on stdout', false)
    .action(async (options: { limit: number; json: boolean }) => {
      const redis = requireQueue(config, 'jobs');
      const { readJobs, formatJobs } = await import('./jobs-command.ts');
      const jobs = await readJobs(redis, options.limit);
      if (options.json) helpers.writeJson({ jobs });
      else process.stdout.write(formatJobs(jobs));
    });
}
