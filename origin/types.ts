// Contracts of the origin.

import type { StoreLogger } from '../storage/types.ts';
import type { TokenPolicy, SigningKey } from './signing.ts';

export interface OriginConfig {
  /** Absolute base for URLs in grants (`https://cdn.example.com`); root-relative when null. */
  publicUrl: string | null;
  signingKeys: SigningKey[];
  tokenPolicy: TokenPolicy;
  /** Request header carrying the listener's ISO country, set by the CDN. */
  countryHeader: string;
  /** Country assumed when the header is absent (development); null refuses unlicensed-by-default. */
  defaultCountry: string | null;
  /** max-age of manifests, seconds. */
  manifestMaxAgeSeconds: number;
  /** Budget of the in-memory media cache. */
  mediaCacheBytes: number;
}

/** The slice of pino's interface the origin uses (one definition, in storage/types.ts). */
export type OriginLogger = StoreLogger;

/** The JSON a player gets from `GET /v1/tracks/{isrc}/playback`. */
export interface PlaybackGrant {
  hls: string;
  dash: string;
  expiresAt: string;
  /** The same manifests with one URL per segment (mapped to byte ranges by the origin). */
  segments: { hls: string; dash: string };
  /** The listener's tier, and the renditions its manifests list and its token opens. */
  tier?: string;
  renditions?: string[];
}
