// Real processes against one file: SIGKILL mid-publish, and several publishers at once. The
// children run the catalog from source through tsx, like the CLI does.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consistencyProblems, rowCounts, tempCatalogPath, withRaw } from './test-support.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const OPEN_URL = new URL('./open-catalog.ts', import.meta.url).href;
const SUPPORT_URL = new URL('./test-support.ts', import.meta.url).href;

interface Child {
  lines: string[];
  stderr: () => string;
  /** Resolves once stdout has printed this many lines. */
  linesAtLeast: (count: number) => Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  send: (text: string) => void;
  kill: () => void;
}

function runChild(body: string, args: unknown): Child {
  const script = `
    import { openCatalog } from ${JSON.stringify(OPEN_URL)};
    import { samplePublish } from ${JSON.stringify(SUPPORT_URL)};
    const args = ${JSON.stringify(args)};
    ${body}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const waiter of waiters.filter((each) => lines.length >= each.count)) waiter.resolve();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    lines,
    stderr: () => stderr,
    linesAtLeast: (count) =>
      lines.length >= count
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.push({ count, resolve })),
            exited.then(({ code }) => {
              throw new Error(`child exited (${code}) after ${lines.length} lines: ${stderr}`);
            }),
          ]),
    exited,
    send: (text) => child.stdin.end(text),
    kill: () => child.kill('SIGKILL'),
  };
}

let path: string;
let cleanup: () => void;
beforeEach(() => ({ path, cleanup } = tempCatalogPath()));
afterEach(() => cleanup());

const CRASH_ISRCS = ['GBAYE2600001', 'GBAYE2600002', 'GBAYE2600003'];

// Publishes ever newer versions; each publish also changes metadata and territories, so a
// half-applied transaction would show up as a title or territory that disagrees with the version.
const PUBLISH_FOREVER = `
  const catalog = openCatalog(args.path);
  for (let i = args.start; ; i++) {
    for (const isrc of args.isrcs) {
      const job = catalog.startJob({ isrc, delivery: 'crash.json' });
      catalog.publish(samplePublish({ isrc, version: 'v' + i, title: 'Take ' + i, territories: i % 2 ? ['GB', 'US', 'SE'] : ['WW'] }));
      catalog.finishJob(job, { state: 'published', version: 'v' + i });
      process.stdout.write(isrc + ' ' + i + '\\n');
    }
  }`;

describe('crash safety', () => {
  it('SIGKILL at random moments never corrupts or half-applies a publish', async () => {
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      const start = round * 1_000_000;
      const child = runChild(PUBLISH_FOREVER, { path, start, isrcs: CRASH_ISRCS });
      await child.linesAtLeast(CRASH_ISRCS.length);
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 250));
      child.kill();
      expect((await child.exited).signal).toBe('SIGKILL');

      expect(consistencyProblems(path)).toEqual([]);
      // Every publish the child reported (after it returned) survived the kill; at most the one
      // in flight committed without being reported.
      const reported = new Map<string, number>();
      for (const line of child.lines) {
        const [isrc, index] = line.split(' ');
        reported.set(isrc!, Number(index));
      }
      const tracks = withRaw(path, (db) =>
        db.prepare(`
          SELECT t.isrc, t.current_version, t.title, group_concat(rt.territory) AS territories
          FROM tracks t JOIN release_territories rt ON rt.upc = t.upc
          GROUP BY t.isrc ORDER BY t.isrc`).all() as Array<{ isrc: string; current_version: string; title: string; territories: string }>,
      );
      expect(tracks.map((track) => track.isrc)).toEqual(CRASH_ISRCS);
      for (const track of tracks) {
        const current = Number(track.current_version.slice(1));
        const last = reported.get(track.isrc) ?? start - 1;
        expect(current === last || current === last + 1, `${track.isrc}: current ${current}, last reported ${last}`).toBe(true);
        expect(track.title).toBe(`Take ${current}`);
      }
      // The release is shared, so its territories follow whichever publish committed last.
      const newest = Math.max(...tracks.map((track) => Number(track.current_version.slice(1))));
      expect(new Set(tracks.map((track) => track.territories)).size).toBe(1);
      expect(tracks[0]!.territories.split(',').length).toBe(newest % 2 ? 3 : 1);
    }
    // Jobs interrupted by a kill stay `running`: one per round at most.
    const running = withRaw(path, (db) => db.prepare("SELECT count(*) FROM ingest_jobs WHERE state = 'running'").pluck().get() as number);
    expect(running).toBeLessThanOrEqual(rounds);
  });
});

// Each child publishes shared tracks (the same versions as its siblings) and tracks of its own,
// logging a job around every publish. It keeps going until every sibling has published too, so
// the publishing phases overlap however the processes are scheduled; it reports its rounds.
const PUBLISH_ROUNDS = `
  // Start together, so the children race to create and migrate the file, then to publish.
  process.stdout.write('loaded\\n');
  await new Promise((resolve) => process.stdin.once('end', resolve).resume());
  const catalog = openCatalog(args.path);
  const siblingsStarted = () =>
    args.siblings.every((id) => catalog.currentVersion('GBOWN2600' + id + '0') !== null);
  const giveUpAt = Date.now() + 30_000;
  let i = 0;
  for (; i < args.rounds || !siblingsStarted(); i++) {
    if (Date.now() > giveUpAt) throw new Error('siblings never started publishing');
    const work = [
      { isrc: 'GBSHR26000' + (i % 4), version: 's' + (i % 6) },
      { isrc: 'GBOWN2600' + args.id + (i % 3), version: 'o' + i },
    ];
    for (const { isrc, version } of work) {
      const job = catalog.startJob({ isrc, delivery: 'child-' + args.id + '.json' });
      catalog.publish(samplePublish({ isrc, version }));
      catalog.finishJob(job, { state: 'published', version });
    }
  }
  catalog.close();
  process.stdout.write(i + '\\n');`;

describe('concurrent publishers', () => {
  it('several processes publishing into one fresh file neither fail nor duplicate', async () => {
    const ids = [0, 1, 2];
    const runs = ids.map((id) =>
      runChild(PUBLISH_ROUNDS, { path, id, rounds: 300, siblings: ids.filter((other) => other !== id) }),
    );
    await Promise.all(runs.map((run) => run.linesAtLeast(1)));
    for (const run of runs) run.send('go');
    const exits = await Promise.all(runs.map((run) => run.exited));
    exits.forEach((exit, id) => expect(exit.code, runs[id]!.stderr()).toBe(0));
    const rounds = runs.map((run) => Number(run.lines[1]));

    const expectedVersions = new Set<string>();
    ids.forEach((id) => {
      for (let i = 0; i < rounds[id]!; i++) {
        expectedVersions.add(`GBSHR26000${i % 4}/s${i % 6}`);
        expectedVersions.add(`GBOWN2600${id}${i % 3}/o${i}`);
      }
    });
    expect(rowCounts(path)).toEqual({
      labels: 1,
      releases: 1,
      release_territories: 1,
      tracks: 4 + ids.length * 3,
      release_tracks: 4 + ids.length * 3,
      versions: expectedVersions.size,
      renditions: expectedVersions.size * 4,
      ingest_jobs: 2 * rounds.reduce((sum, count) => sum + count, 0),
    });
    const unfinished = withRaw(path, (db) => db.prepare("SELECT count(*) FROM ingest_jobs WHERE state <> 'published'").pluck().get());
    expect(unfinished).toBe(0);
    expect(consistencyProblems(path)).toEqual([]);
  });
});
