// The `cadence` command line. Configuration is read here, once, and passed into library code.

import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { isCadenceError } from '../errors/cadence-error.ts';
import { packageMaster } from '../pipeline/package-master.ts';
import { DEFAULT_MAX_DURATION_SECONDS } from '../pipeline/probe.ts';
import { resolveToolPaths } from '../pipeline/tool-paths.ts';
import { progressReporter } from './progress.ts';
import { formatPackageSummary } from './summary.ts';

function positiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected a positive number');
  return number;
}

function positiveInteger(value: string): number {
  const number = positiveNumber(value);
  if (!Number.isInteger(number)) throw new InvalidArgumentError('expected a positive integer');
  return number;
}

export function buildProgram(env: NodeJS.ProcessEnv = process.env): Command {
  const program = new Command('cadence')
    .description('HTTP adaptive-streaming audio pipeline and origin')
    .showHelpAfterError();

  program
    .command('package')
    .description('transcode and package one master into a folder any static file server can serve')
    .argument('<master>', 'WAV, FLAC or AIFF master (16/24-bit integer or 32-bit float, 44.1–192 kHz, mono or stereo)')
    .requiredOption('--out <dir>', 'output folder (created; must not exist or be empty)')
    .option('--force', 'replace the output folder if it already has content', false)
    .option('--max-duration <seconds>', 'refuse masters longer than this', positiveNumber, Number(env.CADENCE_MAX_DURATION) || DEFAULT_MAX_DURATION_SECONDS)
    .option('--workers <n>', 'ffmpeg processes to run at once (default: one per core)', positiveInteger)
    .option('--json', 'print the media description as JSON on stdout', false)
    .action(async (master: string, options: { out: string; force: boolean; maxDuration: number; workers?: number; json: boolean }) => {
      const logger = pino({ level: env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
      const abort = new AbortController();
      const onSignal = (): void => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const progress = progressReporter(process.stderr);
      try {
        const result = await packageMaster({
          ...resolveToolPaths(env),
          master,
          outDir: options.out,
          force: options.force,
          maxDurationSeconds: options.maxDuration,
          workers: options.workers,
          signal: abort.signal,
          onProgress: progress.update,
          logger,
        });
        progress.done();
        process.stdout.write(options.json ? `${JSON.stringify(result.description, null, 2)}\n` : formatPackageSummary(result));
      } finally {
        progress.done();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (isCadenceError(error)) {
      process.stderr.write(`${error.code}: ${error.message}\n`);
      return error.code === 'ABORTED' ? 130 : 1;
    }
    process.stderr.write(`INTERNAL: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main();
