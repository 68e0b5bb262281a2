// The release delivery model → today's JSON delivery shape (pipeline/delivery.schema.json), so a
// DDEX message can go through the same checks and ingest as a JSON delivery. What JSON cannot hold
// (rights per track, hashes, cover, roles) stays on the model for the caller.

import { CadenceError } from '../errors/cadence-error.ts';
import type { ReleaseDeliveryModel } from './types.ts';

/** pipeline/delivery.schema.json, as a type. */
export interface JsonDelivery {
  label: string;
  release: { upc: string; title: string; artists: string[]; releaseDate: string; genre?: string; territories: string[] };
  tracks: Array<{
    isrc: string;
    title: string;
    artists: string[];
    trackNumber: number;
    discNumber: number;
    /** Relative to the folder of the message, as the JSON delivery's masters are to its file. */
    master: string;
    explicit: boolean;
  }>;
}

/** A subtitle is the version of a recording (`Live`, `Radio Edit`): shown in the title, as stores do. */
function withSubtitle(title: string, subtitle: string | null): string {
  return subtitle && !title.includes(subtitle) ? `${title} (${subtitle})` : title;
}

export function toJsonDelivery(model: ReleaseDeliveryModel): JsonDelivery {
  const { release } = model;
  if (!release.upc) {
    throw new CadenceError('BAD_DELIVERY', `release ${release.key}: a JSON delivery needs a UPC, and this release has no ICPN`);
  }
  return {
    label: release.label,
    release: {
      upc: release.upc,
      title: withSubtitle(release.title, release.subtitle),
      artists: release.artists,
      releaseDate: release.releaseDate,
      ...(release.genre ? { genre: release.genre } : {}),
      territories: release.territories,
    },
    tracks: model.tracks.map((track) => ({
      isrc: track.isrc,
      title: withSubtitle(track.title, track.subtitle),
      artists: track.artists,
      trackNumber: track.trackNumber,
      discNumber: track.discNumber,
      master: track.master.path,
      explicit: track.explicit,
    })),
  };
}
