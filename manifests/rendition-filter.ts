// The description a tier sees: the same media, only the renditions it may play. Manifests are
// written from this by the same pure writers, so a free listener's playlist and MPD never name
// a rendition its media token would refuse.

import type { MediaDescription, RenditionId } from './types.ts';

export function withRenditions(description: MediaDescription, allowed: readonly RenditionId[]): MediaDescription {
  return { ...description, renditions: description.renditions.filter((rendition) => allowed.includes(rendition.id)) };
}
