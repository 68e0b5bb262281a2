// The README says what a newcomer will find: its usage lines name every option the command line
// takes, its curl example asks for a track the demo publishes, and the fragment duration it gives
// is the one the code uses.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureIsrc } from '../fixtures/deliveries.ts';
import { fragmentLength } from '../pipeline/ladder.ts';
import { REPO_ROOT, runCadence } from './helpers/cadence-cli.ts';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** Options `cadence <command> --help` lists (without --help itself). */
async function optionsOf(command: string): Promise<string[]> {
  const { stdout, code } = await runCadence([command, '--help']);
  expect(code).toBe(0);
  return [...stdout.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((match) => match[1]!).filter((option) => option !== '--help');
}

/** Options named on the README's `npm run -s cadence -- <command> …` lines and in its option tables. */
function documentedOptions(command: string): Set<string> {
  const lines = README.split('\n').filter((line) => line.includes(`cadence -- ${command} `) || line.endsWith(`cadence -- ${command}`));
  const options = new Set(lines.flatMap((line) => [...line.matchAll(/--[a-z][a-z-]*/g)].map((match) => match[0])));
  // `package` documents its options in a table under its heading.
  if (command === 'package') {
    const section = README.slice(README.indexOf('## Package one master'), README.indexOf('### Masters'));
    for (const match of section.matchAll(/^\| `(--[a-z-]+)/gm)) options.add(match[1]!);
  }
  return options;
}

describe('README', () => {
  it.each(['package', 'ingest', 'reindex', 'gc', 'serve', 'search', 'tracks', 'track'])('names every option of `%s`', async (command) => {
    const documented = documentedOptions(command);
    const missing = (await optionsOf(command)).filter((option) => !documented.has(option));
    expect(missing, `options of ${command} the README does not name`).toEqual([]);
  });

  it('shows `--version`', () => {
    expect(README).toMatch(/cadence -- --version/);
  });

  it('asks in its curl examples for a track the demo publishes', () => {
    const demo = readFileSync(join(REPO_ROOT, 'scripts', 'demo.ts'), 'utf8');
    const tracks = Number(/tracks: (\d+)/.exec(demo)![1]);
    const series = Number(/series: (\d+)/.exec(demo)![1]);
    const published = Array.from({ length: tracks }, (_, i) => fixtureIsrc(series, i));
    const asked = [...README.matchAll(/curl [^\n]*\/v1\/tracks\/([A-Z0-9]{12})/g)].map((match) => match[1]!);
    expect(asked.length).toBeGreaterThan(0);
    for (const isrc of asked) expect(published).toContain(isrc);
  });

  it('gives the fragment duration the code uses at 44.1 and 48 kHz', () => {
    for (const rate of [44100, 48000]) {
      const length = fragmentLength(rate);
      const khz = rate === 44100 ? '44.1' : '48';
      expect(README).toContain(`${length / 4096} × 4096`);
      expect(README).toMatch(new RegExp(`${(length / rate).toFixed(2).replace('.', '\\.')} s, at ${khz.replace('.', '\\.')} kHz`));
    }
  });
});
