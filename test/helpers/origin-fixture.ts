// A published catalog and a running origin for the origin, player and CDN suites: deliveries are
// ingested through the real CLI, then the origin app listens on 127.0.0.1 in this process.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { openCatalog } from '../../catalog/open-catalog.ts';
import { deliveryJson, makeDelivery } from '../../fixtures/deliveries.ts';
import { makeMaster } from '../../fixtures/masters.ts';
import { type ListenersConfig, openListenerServices } from '../../listeners/open-listeners.ts';
import { createOriginApp } from '../../origin/app.ts';
import type { OriginMetrics } from '../../origin/metrics.ts';
import { listen } from '../../origin/server.ts';
import { DEFAULT_TOKEN_POLICY, parseSigningKeys } from '../../origin/signing.ts';
import type { OriginConfig } from '../../origin/types.ts';
import { openObjectStore, s3OptionsFromEnv } from '../../storage/open-store.ts';
import { runCadence } from './cadence-cli.ts';
import { testListenersConfig } from './listener-tokens.ts';

export const TEST_KEYS = 'current:current-secret-0123456789,previous:previous-secret-0123456789';

export interface PublishedFixture {
  env: NodeJS.ProcessEnv;
  /** Worldwide, released: two tracks. */
  worldwide: string[];
  /** Licensed in GB only. */
  gbOnly: string;
  /** Released next year. */
  unreleased: string;
}

async function ingest(file: string, env: NodeJS.ProcessEnv): Promise<void> {
  const result = await runCadence(['ingest', file], { env });
  if (result.code !== 0) throw new Error(`ingest ${file} failed: ${result.stderr}`);
}

/** Ingests three releases into `env`'s store and catalog (file store unless env says S3). */
export async function publishFixture(dir: string, env: NodeJS.ProcessEnv, seconds = 12): Promise<PublishedFixture> {
  const main = await makeDelivery(join(dir, 'worldwide'), { tracks: 2, seconds, series: 61 });
  await ingest(main.file, env);

  const single = async (name: string, series: number, edit: (json: ReturnType<typeof deliveryJson>) => void): Promise<string> => {
    const json = deliveryJson({ tracks: 1, series });
    json.release.upc = '036000291452';
    edit(json);
    const folder = join(dir, name);
    await mkdir(join(folder, 'masters'), { recursive: true });
    await makeMaster({ path: join(folder, json.tracks[0]!.master), seconds: 4, seed: series });
    await writeFile(join(folder, 'delivery.json'), JSON.stringify(json));
    await ingest(join(folder, 'delivery.json'), env);
    return json.tracks[0]!.isrc;
  };
  const gbOnly = await single('gb-only', 62, (json) => {
    json.release.territories = ['GB'];
  });
  const unreleased = await single('unreleased', 63, (json) => {
    json.release.upc = '4006381333931';
    json.release.releaseDate = `${new Date().getUTCFullYear() + 1}-01-01`;
  });
  return { env, worldwide: main.json.tracks.map((t) => t.isrc), gbOnly, unreleased };
}

export interface TestOrigin {
  url: string;
  config: OriginConfig;
  metrics: OriginMetrics;
  close(): Promise<void>;
}

export async function startTestOrigin(options: {
  env: NodeJS.ProcessEnv;
  keys?: string;
  now?: () => Date;
  config?: Partial<OriginConfig>;
  /** Receives every structured log line (e.g. to count requests that reached the origin). */
  onLog?: (entry: Record<string, unknown>) => void;
  /** Listener settings over the test defaults (tokens from test/helpers/listener-tokens.ts, listeners.db beside the catalog, no rate limits). */
  listeners?: Partial<ListenersConfig>;
  port?: number;
}): Promise<TestOrigin> {
  const { env } = options;
  const store = openObjectStore(env.CADENCE_STORE!, { s3: s3OptionsFromEnv(env) });
  const catalog = openCatalog(env.CADENCE_CATALOG!);
  const config: OriginConfig = {
    publicUrl: null,
    signingKeys: parseSigningKeys(options.keys ?? TEST_KEYS),
    tokenPolicy: DEFAULT_TOKEN_POLICY,
    countryHeader: 'cloudfront-viewer-country',
    defaultCountry: null,
    manifestMaxAgeSeconds: 300,
    mediaCacheBytes: 64 * 1024 * 1024,
    ...options.config,
  };
  const capture = options.onLog;
  const logger = capture
    ? { debug() {}, info: (entry: object) => capture(entry as Record<string, unknown>), warn: (entry: object) => capture(entry as Record<string, unknown>), error: (entry: object) => capture(entry as Record<string, unknown>) }
    : pino({ level: 'silent' });
  const listeners = await openListenerServices(testListenersConfig(join(dirname(env.CADENCE_CATALOG!), 'listeners.db'), options.listeners), { logger });
  const origin = createOriginApp(config, { store, catalog, logger, now: options.now, listeners });
  const { metrics, stop } = origin;
  const server = await listen(origin, { port: options.port ?? 0, host: '127.0.0.1' });
  return {
    url: server.url,
    config,
    metrics,
    close: async () => {
      await server.close();
      stop();
      await listeners.close();
      catalog.close();
      await store.close?.();
    },
  };
}
