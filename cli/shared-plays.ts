// `serve` with CADENCE_QUEUE: plays counted on this node go to the shared Redis play stream (every
// process of the node sends), and one reader per node (the primary) adds the stream's counts to
// this node's catalog. Without CADENCE_QUEUE none of this runs: plays go to the local catalog.

import { openCatalog } from '../catalog/open-catalog.ts';
import type { PlaySink } from '../origin/types.ts';
import { PLAY_STREAM, type PlayStreamReaderStatus } from '../plays/types.ts';
import type { StoreLogger } from '../storage/types.ts';
import type { CadenceConfig } from './config.ts';

/** Counted plays are handed to the stream this often: other nodes see them about this much later. */
const SEND_EVERY_MS = 1000;

export interface SharedPlaySink extends PlaySink {
  close(): Promise<void>;
}

export async function openSharedPlaySink(config: CadenceConfig & { queueUrl: string }, logger: StoreLogger): Promise<SharedPlaySink> {
  const { createPlayStreamProducer } = await import('../plays/play-stream-producer.ts');
  const producer = createPlayStreamProducer({ url: config.queueUrl, logger, maxLen: config.playStreamMaxLen });
  return {
    write: (counts) => producer.send(counts),
    intervalMs: SEND_EVERY_MS,
    status: () => producer.status(),
    close: () => producer.close(),
  };
}

export interface SharedPlayReading {
  status(): PlayStreamReaderStatus;
  stop(): Promise<void>;
}

/** Does not wait for Redis: a node starts and serves while Redis is away, and catches up later. */
export async function startSharedPlayReader(config: CadenceConfig & { queueUrl: string }, logger: StoreLogger): Promise<SharedPlayReading> {
  const { followPlayStream } = await import('../plays/play-stream-reader.ts');
  const catalog = openCatalog(config.catalogPath);
  const reader = followPlayStream({ url: config.queueUrl, catalog, logger });
  logger.info({ position: catalog.playStreamPosition(PLAY_STREAM) }, 'catalog counts the shared play stream');
  return {
    status: () => reader.status(),
    async stop() {
      await reader.stop();
      catalog.close();
    },
  };
}
