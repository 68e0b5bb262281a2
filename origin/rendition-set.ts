// A tier's renditions as written into a media token: one hex digit, one bit per rendition in
// ladder order (aac-96 = 1, aac-160 = 2, aac-320 = 4, flac = 8). Short, so URLs stay short, and
// equal for equal sets, so two tiers with the same renditions even share CDN cache entries.

import { RENDITION_IDS } from '../listeners/tiers.ts';
import type { RenditionId } from '../manifests/types.ts';

export function encodeRenditionSet(renditions: readonly RenditionId[]): string {
  let bits = 0;
  for (const id of renditions) bits |= 1 << RENDITION_IDS.indexOf(id);
  return bits.toString(16);
}

export function renditionSetIncludes(set: string, id: RenditionId): boolean {
  const bit = RENDITION_IDS.indexOf(id);
  return bit >= 0 && ((Number.parseInt(set, 16) >> bit) & 1) === 1;
}

export function decodeRenditionSet(set: string): RenditionId[] {
  return RENDITION_IDS.filter((id) => renditionSetIncludes(set, id));
}
