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
  /**
   * Addresses (IPs or CIDR blocks) of the CDN or load balancer in front: only requests from these
   * have their country header believed. Default: loopback (a CDN on the same machine).
   */
  trustedProxies?: string[];
  /** How stale a track's availability may be on the media path (the takedown guarantee); default 1000. */
  availabilityMaxAgeMs?: number;
  /** Country assumed when the header is absent (development); null refuses unlicensed-by-default. */
  defaultCountry: string | null;
  /** max-age of manifests, seconds. */
  manifestMaxAgeSeconds: number;
  /** Budget of the in-memory media cache. */
  mediaCacheBytes: number;
  /** Grants of one track to one client within this window count as one play (default 1800; 0: every grant). */
  playWindowSeconds?: number;
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

/**
 * Bounds on how long node:http waits for a client (origin/server.ts). A client that trickles its
 * headers (slowloris) is cut off after `headersTimeoutSeconds`; an idle keep-alive connection
 * after `keepAliveTimeoutSeconds`; one connection serves at most `maxRequestsPerSocket` requests.
 */
export interface HttpServerLimits {
  headersTimeoutSeconds: number;
  /** The whole request (headers and body) must arrive within this. */
  requestTimeoutSeconds: number;
  keepAliveTimeoutSeconds: number;
  /** 0 for no limit. */
  maxRequestsPerSocket: number;
}

/** Where the origin's counted plays go (after its per-client dedupe): by default its own catalog. */
export interface PlaySink {
  write(counts: ReadonlyArray<{ isrc: string; plays: number }>): void;
  /** How often counted plays are handed over, ms (default 5000). */
  intervalMs?: number;
  /** Plays sent, held (not taken yet) and given up, for metrics. */
  status?(): { sent: number; pending: number; dropped: number };
}

/**
 * What this node's followers report (the serve primary runs them; workers get it over IPC): the
 * publish journal and the shared play stream. Times are epoch milliseconds.
 */
export interface NodeFollowStatus {
  journal: {
    applied: number;
    position: number;
    newestSeen: number;
    lastAppliedAt: number | null;
    lastPollAt: number | null;
  } | null;
  playStream: { applied: number } | null;
}
