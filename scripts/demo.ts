// `make demo`: the main job end to end on the embedded defaults (folder storage in ./data/objects,
// SQLite catalog in ./data/catalog.db): a generated label delivery is validated, packaged, stored,
// published and indexed; then a search shows it is there, and a listener of the embedded identity
// provider (`cadence token`) gets a hi-fi playback grant from the origin.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { REPO_ROOT, runCadence } from '../test/helpers/cadence-cli.ts';

const folder = resolve('data', 'demo', 'delivery');
process.stdout.write(`generating a 3-track delivery (30 s 16-bit/44.1 kHz masters) in ${folder}\n`);
const { file } = await makeDelivery(folder, { tracks: 3, seconds: 30, series: 1 });

// The defaults apply unless the caller set CADENCE_STORE / CADENCE_CATALOG.
const env = { CADENCE_STORE: process.env.CADENCE_STORE ?? `file://${resolve('data', 'objects')}`, CADENCE_CATALOG: process.env.CADENCE_CATALOG ?? join(resolve('data'), 'catalog.db') };
const ingest = await runCadence(['ingest', file], { env });
process.stderr.write(ingest.stderr);
process.stdout.write(ingest.stdout);
if (ingest.code !== 0) {
  process.exitCode = ingest.code ?? 1;
} else {
  const search = await runCadence(['search', 'movment'], { env });
  process.stdout.write(`\n$ cadence search movment\n${search.stdout}`);
  const token = await runCadence(['token', '--listener', 'demo-listener', '--tier', 'hifi', '--ttl', '12h'], { env });
  if (token.code !== 0) throw new Error(`cadence token failed: ${token.stderr}`);
  process.stdout.write(`\n$ cadence token --listener demo-listener --tier hifi --ttl 12h\n${token.stdout.slice(0, 40)}…\n`);
  const grant = await grantThroughOrigin(env, token.stdout.trim());
  process.stdout.write(`\n$ curl -H "Authorization: Bearer $TOKEN" …/v1/tracks/GBCAD0100001/playback\n${grant}\n`);
  process.stdout.write(
    [
      '',
      'next: npm run -s cadence -- serve        (origin on http://127.0.0.1:8080)',
      '      TOKEN=$(npm run -s cadence -- token --listener me --tier hifi)',
      '      curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/v1/tracks/GBCAD0100001/playback',
      '',
    ].join('\n'),
  );
}

/** Starts `cadence serve` on a free loopback port, asks for one grant with the token, stops it. */
async function grantThroughOrigin(env: NodeJS.ProcessEnv, accessToken: string): Promise<string> {
  const port = await new Promise<number>((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => done(free));
    });
  });
  const serve = spawn(process.execPath, ['bin/cadence.js', 'serve', '--port', String(port)], { cwd: REPO_ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((ready, fail) => {
      serve.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening on') && ready());
      serve.once('exit', (code) => fail(new Error(`cadence serve exited (${code})`)));
    });
    const response = await fetch(`http://127.0.0.1:${port}/v1/tracks/GBCAD0100001/playback`, { headers: { authorization: `Bearer ${accessToken}` } });
    return `${response.status} ${JSON.stringify(await response.json(), null, 2)}`;
  } finally {
    serve.kill('SIGTERM');
  }
}
