// The duration a message states for each sound recording against the master actually delivered:
// a large difference usually means the wrong file went into the folder (track 3's audio under
// track 4's name), which no hash can catch because the hash is of the wrong file too. ERN
// durations are rounded (often to whole seconds), so small differences pass. A warning, not a
// refusal: the audio is the truth that gets encoded, and the acknowledgement tells the label.

import type { DdexTrack } from '../ddex/types.ts';
import type { DeliveryProblem, DeliveryTrack } from './delivery-model.ts';

/** Seconds a stated duration may be off before it is worth a warning, at least. */
const SLACK_SECONDS = 2;
/** …and as a share of the master's length, for long works. */
const SLACK_SHARE = 0.02;

export function durationWarnings(stated: readonly DdexTrack[], delivered: readonly DeliveryTrack[]): DeliveryProblem[] {
  const probed = new Map(delivered.map((track) => [track.isrc, track.master.durationSeconds]));
  const warnings: DeliveryProblem[] = [];
  for (const track of stated) {
    const actual = probed.get(track.isrc);
    if (track.durationSeconds === null || actual === undefined) continue;
    if (Math.abs(track.durationSeconds - actual) <= Math.max(SLACK_SECONDS, actual * SLACK_SHARE)) continue;
    warnings.push({
      where: `${track.location}/Duration`,
      code: 'DURATION_MISMATCH',
      message: `the message says ${clock(track.durationSeconds)} but ${track.master.path} lasts ${clock(actual)}: is it the right file?`,
    });
  }
  return warnings;
}

/** 200.5 → `3:20.5`. */
function clock(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round((seconds - minutes * 60) * 10) / 10;
  return `${minutes}:${rest < 10 ? '0' : ''}${rest}`;
}
