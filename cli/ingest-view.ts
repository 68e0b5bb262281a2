// What a label engineer sees during `cadence ingest`: a progress bar per track on a terminal,
// plain lines in a pipe, and a summary at the end.

import cliProgress from 'cli-progress';
import { isCadenceError } from '../errors/cadence-error.ts';
import { DeliveryError, type DeliveryProblem } from '../pipeline/delivery.ts';
import type { IngestEvents, IngestReport, TrackChange, TrackOutcome } from '../pipeline/ingest.ts';

export interface IngestView extends IngestEvents {
  stop(): void;
}

export function ingestView(stream: NodeJS.WriteStream): IngestView {
  if (!stream.isTTY) return plainLines(stream);
  const bars = new cliProgress.MultiBar(
    {
      stream,
      format: ' {isrc} {bar} {percentage}% {stage}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  const byIsrc = new Map<string, cliProgress.SingleBar>();
  return {
    trackStarted(track) {
      byIsrc.set(track.isrc, bars.create(100, 0, { isrc: track.isrc, stage: 'queued' }));
    },
    trackProgress(isrc, percent, stage) {
      byIsrc.get(isrc)?.update(Math.round(percent), { stage });
    },
    trackFinished(outcome) {
      byIsrc.get(outcome.isrc)?.update(outcome.state === 'failed' || outcome.state === 'aborted' ? 0 : 100, { stage: outcome.state });
    },
    stop() {
      bars.stop();
    },
  };
}

function plainLines(stream: NodeJS.WriteStream): IngestView {
  return {
    trackStarted(track) {
      stream.write(`${track.isrc} started\n`);
    },
    trackFinished(outcome) {
      stream.write(`${outcomeLine(outcome)}\n`);
    },
    stop() {},
  };
}

function outcomeLine(outcome: TrackOutcome): string {
  const head = `${outcome.isrc} ${outcome.state}`;
  if (outcome.state === 'failed' || outcome.state === 'aborted') return `${head}: ${outcome.error}`;
  const change = outcome.change ? `, ${CHANGE_WORDS[outcome.change]}${outcome.replaced ? ` ${outcome.replaced}` : ''}` : '';
  return `${head} (version ${outcome.version}${change}, ${outcome.seconds.toFixed(1)} s)`;
}

const CHANGE_WORDS: Record<TrackChange, string> = {
  'new-track': 'new track',
  'new-master': 'new master replaces version',
  'added-to-release': 'added to this release',
  metadata: 'facts updated',
};

export function formatIngestSummary(report: IngestReport): string {
  if (report.dryRun) return `dry run: ${report.delivery} is valid; nothing was encoded or published\n`;
  const lines = [
    `${report.published} published, ${report.skipped} already published, ${report.failed} failed (release ${report.upc})`,
    ...report.tracks.filter((t) => t.change === 'new-master').map((t) => `  ${t.isrc} "${t.title}": new master, replaces version ${t.replaced}`),
    ...report.tracks.filter((t) => t.state === 'failed').map((t) => `  ${t.isrc} "${t.title}": ${t.error}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** A delivery's warnings (accepted, but the label should know), one line each, after its summary. */
export function formatWarnings(warnings: DeliveryProblem[]): string {
  return warnings.map((w) => `  warning: ${w.where}: ${w.message}\n`).join('');
}

export function deliveryErrorJson(error: DeliveryError): object {
  return { ok: false, code: error.code, file: error.file, problems: error.problems };
}

/** The one JSON document `ingest --json` prints when it fails: never a stack, never nothing. */
export function ingestErrorJson(error: unknown): object {
  if (error instanceof DeliveryError) return deliveryErrorJson(error);
  if (isCadenceError(error)) return { ok: false, code: error.code, message: error.message };
  return { ok: false, code: 'INTERNAL', message: 'internal error (details on stderr)' };
}
