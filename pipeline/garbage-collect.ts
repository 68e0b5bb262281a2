// `cadence gc`: removes stored versions no track points at, once they are older than a grace
// period (a reader that fetched the old description a moment ago can still finish playing).
// The description goes first, so a version is never left looking complete with objects missing.

import type { Catalog } from '../catalog/types.ts';
import type { ObjectStore } from '../storage/types.ts';
import { DESCRIPTION_FILE, versionPrefix } from '../storage/layout.ts';
import { listStoredVersions } from './reindex.ts';

export const DEFAULT_GRACE_SECONDS = 7 * 24 * 3600;

export interface GcReport {
  removed: Array<{ isrc: string; version: string; objects: number }>;
  kept: number;
}

export async function collectGarbage(options: {
  store: ObjectStore;
  catalog: Catalog;
  graceSeconds?: number;
  dryRun?: boolean;
  now?: Date;
}): Promise<GcReport> {
  const { store, catalog, graceSeconds = DEFAULT_GRACE_SECONDS, dryRun = false, now = new Date() } = options;
  const referenced = catalog.referencedVersions();
  const report: GcReport = { removed: [], kept: 0 };
  for (const version of await listStoredVersions(store)) {
    const age = (now.getTime() - version.lastModified.getTime()) / 1000;
    if (referenced.has(`${version.isrc}/${version.version}`) || age < graceSeconds) {
      report.kept++;
      continue;
    }
    const prefix = versionPrefix(version.isrc, version.version);
    const keys: string[] = [];
    for await (const object of store.list(prefix)) keys.push(object.key);
    keys.sort((a, b) => Number(b.endsWith(`/${DESCRIPTION_FILE}`)) - Number(a.endsWith(`/${DESCRIPTION_FILE}`)));
    if (!dryRun) for (const key of keys) await store.delete(key);
    report.removed.push({ isrc: version.isrc, version: version.version, objects: keys.length });
  }
  return report;
}
