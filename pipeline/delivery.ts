// Loads a label delivery and checks all of it before any encoding starts: the format's own parse
// (pipeline/json-delivery.ts: syntax, nesting, forbidden keys, the shipped JSON Schema), then the
// checks every format shares (pipeline/delivery-checks.ts: identifiers, territories, duplicates,
// master paths and a probe of every master). Every problem found is reported at once, each naming
// the track and field: a bad field in one place never hides a problem in another.

import { resolve } from 'node:path';
import type { ReleaseRecord } from '../catalog/types.ts';
import { type CheckDeliveryOptions, checkDelivery } from './delivery-checks.ts';
import { type Delivery, type DeliveryCover, type DeliveryDraft, DeliveryError, type DeliveryProblem, type DeliveryTrack } from './delivery-model.ts';
import { deliveryRights } from './delivery-rights.ts';
import { parseJsonDelivery } from './json-delivery.ts';

export type { Delivery, DeliveryCover, DeliveryDraft, DeliveryProblem, DeliveryTrack, DraftTrack } from './delivery-model.ts';
export { DeliveryError } from './delivery-model.ts';
export { MAX_DELIVERY_BYTES } from './json-delivery.ts';

export type LoadDeliveryOptions = CheckDeliveryOptions;

export async function loadDelivery(file: string, options: LoadDeliveryOptions): Promise<Delivery> {
  const { draft, problems } = await parseJsonDelivery(file);
  if (!draft) throw new DeliveryError(resolve(file), problems);
  const checked = await checkDelivery(draft, options);
  problems.push(...checked.problems);
  const licensed = licensedRights(draft);
  problems.push(...licensed.problems);
  if (problems.length > 0) throw new DeliveryError(draft.file, problems);
  const delivery = deliveryOf(draft, checked.tracks, checked.cover ?? null, checked.warnings);
  // Without problems every track was checked, in delivery order.
  delivery.tracks.forEach((track, i) => (track.rights = licensed.rights[i]));
  return delivery;
}

/** The delivery's optional `rights`, merged per track (pipeline/delivery-rights.ts). */
function licensedRights({ release, tracks }: DeliveryDraft): ReturnType<typeof deliveryRights> {
  // A missing release date or territory list is already a problem; the rights are then only checked.
  const base = { territories: release.territories ?? [], releaseDate: release.releaseDate ?? '1970-01-01', rights: release.rights ?? undefined };
  return deliveryRights(base, tracks.map((track) => ({ isrc: track.isrc ?? '', rights: track.rights ?? undefined })));
}

/** A draft with no problem left: every field is usable. */
export function deliveryOf(draft: DeliveryDraft, tracks: DeliveryTrack[], cover: DeliveryCover | null, warnings: DeliveryProblem[] = []): Delivery {
  const { label, release } = draft;
  const { upc, title, artists, releaseDate, genre, territories } = release;
  if (label === null || upc === null || title === null || artists === null || releaseDate === null || territories === null || tracks.length !== draft.tracks.length || (release.cover !== null && cover === null)) {
    throw new Error('a delivery without problems has an unusable field'); // a bug in a parser, not in the delivery
  }
  const record: ReleaseRecord = { upc, label, title, artists, releaseDate, genre, territories, cover: cover && { sha256: cover.sha256, extension: cover.extension } };
  return { file: draft.file, release: record, tracks, cover, warnings };
}
