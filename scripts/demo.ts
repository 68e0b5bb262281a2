// `make demo`: the main job end to end on the embedded defaults (folder storage in ./data/objects,
// SQLite catalog in ./data/catalog.db): a generated label delivery is validated, packaged, stored,
// published and indexed; then a search shows it is there.

import { join, resolve } from 'node:path';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { runCadence } from '../test/helpers/cadence-cli.ts';

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
  process.stdout.write(
    [
      '',
      'next: npm run -s cadence -- serve        (origin on http://127.0.0.1:8080)',
      '      curl http://127.0.0.1:8080/v1/tracks/GBCAD0100001/playback',
      '',
    ].join('\n'),
  );
}
