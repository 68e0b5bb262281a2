// The invariant every ingest test leans on: each track the catalog points at has a complete,
// intact version in storage (description, meta and every file the description names).

import type { Catalog } from '../../catalog/types.ts';
import { readStoredVersion } from '../../pipeline/publish.ts';
import { versionPrefix } from '../../storage/layout.ts';
import type { ObjectStore } from '../../storage/types.ts';

/** Returns a list of problems; empty when every published track is whole. */
export async function publishedProblems(catalog: Catalog, store: ObjectStore): Promise<string[]> {
  const problems: string[] = [];
  for (const { isrc, version } of catalog.listCurrent()) {
    const stored = await readStoredVersion(store, isrc, version);
    if (!stored) {
      problems.push(`${isrc} points at ${version}, which has no description`);
      continue;
    }
    const prefix = versionPrefix(isrc, version);
    for (const rendition of stored.description.renditions) {
      const head = await store.head(`${prefix}${rendition.file}`);
      if (head?.size !== rendition.fileSize) problems.push(`${isrc}/${version}/${rendition.file}: ${head ? head.size : 'missing'} bytes, description says ${rendition.fileSize}`);
    }
    for (const name of ['master.m3u8', 'manifest.mpd', 'meta.json']) {
      if (!(await store.head(`${prefix}${name}`))) problems.push(`${isrc}/${version}/${name} is missing`);
    }
  }
  return problems;
}

/** Keys grouped as `isrc/version` → object count. */
export async function storedVersions(store: ObjectStore): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  for await (const object of store.list('tracks/')) {
    const [isrc, version] = object.key.split('/').slice(1);
    const id = `${isrc}/${version}`;
    versions.set(id, (versions.get(id) ?? 0) + 1);
  }
  return versions;
}
