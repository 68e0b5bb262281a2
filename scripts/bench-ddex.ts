// DDEX reading benchmark: time and peak memory to validate and map ERN messages (no encoding).
// Each case runs in its own child process, so its peak RSS is its own:
//   - a 500-track ERN 4.3 and ERN 3.8.2 album (validate + map + convert to the JSON delivery);
//   - hostile messages: 200 MB (refused by size), billion laughs, 100,000-deep nesting, a 13 MB
//     body of nesting under the cap, an external entity; with --uncapped also the 200 MB message
//     under a cap raised to admit it (what the cap saves).
// Reported: input bytes, median ms over the rounds, peak RSS of the case's process and the peak
// over a child that only builds the input (what reading it added).
//
//   node --import tsx scripts/bench-ddex.ts [--rounds 5] [--uncapped]
// Heavy (200 MB buffers): run under `flock /tmp/cadence-heavy.lock` on a shared machine.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readErnMessage } from '../ddex/read-ern.ts';
import { billionLaughs, deepNesting, ernMessage, externalEntity, hugeMessage, sampleRelease } from '../fixtures/ddex-messages.ts';

const MB = 1024 * 1024;

const CASES: Record<string, { build: () => Buffer; options?: Parameters<typeof readErnMessage>[1] }> = {
  'ern43-500-tracks': { build: () => Buffer.from(ernMessage(sampleRelease({ family: '4.3', tracks: 500, discs: 5 }))) },
  'ern382-500-tracks': { build: () => Buffer.from(ernMessage(sampleRelease({ family: '3.8.2', tracks: 500, discs: 5 }))) },
  'hostile-200MB': { build: () => hugeMessage(200 * MB) },
  'billion-laughs': { build: () => Buffer.from(billionLaughs()) },
  'nesting-100k': { build: () => Buffer.from(deepNesting(100_000)) },
  'nesting-13MB': { build: () => Buffer.from(deepNesting(2_000_000)) },
  'external-entity': { build: () => Buffer.from(externalEntity()) },
};

/** What the byte cap saves: the 200 MB message read in full (minutes and gigabytes; `--uncapped`). */
const UNCAPPED = { 'hostile-200MB-cap-raised': { build: () => hugeMessage(200 * MB), options: { maxBytes: 256 * MB, maxElements: 100_000_000 } } };

interface Figures {
  bytes: number;
  ms: number;
  maxRssMb: number;
  outcome: string;
}

function runCase(name: string, rounds: number, buildOnly: boolean): Figures {
  const spec = CASES[name]!;
  const input = spec.build();
  const times: number[] = [];
  let outcome = 'built';
  if (!buildOnly) {
    for (let i = 0; i < rounds; i += 1) {
      const started = process.hrtime.bigint();
      const result = readErnMessage(input, spec.options);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      outcome = result.ok
        ? `ok, ${result.model.kind === 'release' ? result.model.tracks.length : 0} tracks`
        : `refused ${[...new Set(result.problems.map((p) => p.code))].join(',')} (${result.problems.length} problem(s))`;
    }
  }
  times.sort((a, b) => a - b);
  return { bytes: input.byteLength, ms: times[Math.floor(times.length / 2)] ?? 0, maxRssMb: process.resourceUsage().maxRSS / 1024, outcome };
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '5' }, 'build-only': { type: 'boolean', default: false }, uncapped: { type: 'boolean', default: false } },
});
if (values.uncapped || positionals[1] === 'hostile-200MB-cap-raised') Object.assign(CASES, UNCAPPED);

if (positionals[0] === 'case') {
  process.stdout.write(JSON.stringify(runCase(positionals[1]!, Number(values.rounds), values['build-only'])));
} else {
  const script = fileURLToPath(import.meta.url);
  const child = (name: string, buildOnly: boolean): Figures =>
    JSON.parse(
      execFileSync(process.execPath, [...process.execArgv, script, 'case', name, '--rounds', String(values.rounds), ...(buildOnly ? ['--build-only'] : [])], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      }),
    ) as Figures;
  const rows: string[] = [];
  for (const name of Object.keys(CASES)) {
    const built = child(name, true);
    const read = child(name, false);
    rows.push(
      [
        name.padEnd(26),
        `${(read.bytes / MB).toFixed(2).padStart(8)} MB`,
        `${read.ms.toFixed(2).padStart(9)} ms`,
        `peak RSS ${read.maxRssMb.toFixed(0).padStart(5)} MB`,
        `(+${(read.maxRssMb - built.maxRssMb).toFixed(0).padStart(4)} MB over building the input)`,
        read.outcome,
      ].join('  '),
    );
  }
  process.stdout.write(`bench-ddex: median of ${values.rounds} round(s) per case, node ${process.version}\n${rows.join('\n')}\n`);
}
