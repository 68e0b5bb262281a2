// Contracts of the listeners folder: who is asking (from a verified access token), what each tier
// may play, where each listener stopped, and how often anyone may ask.

import type { RenditionId } from '../manifests/types.ts';
import type { RateLimits } from './rate-limits.ts';

/** The authenticated listener of one request, from the claims of a verified access token. */
/** The one listener every request is without authentication (CADENCE_AUTH=none). */
export const ANONYMOUS_LISTENER = 'anonymous';

export interface Listener {
  id: string;
  /** A tier name present in the tier table (an unknown tier never gets this far). */
  tier: string;
  /** ISO 3166-1 alpha-2 from the token, or null when the token carries none. */
  country: string | null;
}

/** Tier name → the renditions its grants list and its media tokens open. */
export type TierTable = ReadonlyMap<string, readonly RenditionId[]>;

/** The claim names read from an access token (configurable: identity providers differ). */
export interface ListenerClaims {
  listener: string;
  tier: string;
  country: string;
}

/** Why a request is not authenticated (401) or not allowed (403); never names key ids. */
export interface AuthRefusal {
  status: 401 | 403;
  error: string;
  message: string;
}

export type AuthResult = { ok: true; listener: Listener } | { ok: false; refusal: AuthRefusal };

/** Verifies the `Authorization` header value of one request. */
export type Authenticator = (authorization: string | undefined) => Promise<AuthResult>;

/** One listener's resume position in one track. */
export interface ResumePosition {
  isrc: string;
  positionMs: number;
  /** When it was written (ISO-8601 UTC). */
  updatedAt: string;
}

/**
 * Resume positions, per listener. Drivers: SQLite (one machine) and Redis (every origin node sees
 * the same). A caller may rely on: a put replaces that listener's position for that track; gets
 * and lists only ever return the listener's own positions; `list` is newest first (equal times by ISRC, descending)
 * and returns at most `limit`; failures throw CadenceError('LISTENERS').
 */
export interface PositionStore {
  put(listenerId: string, position: ResumePosition): Promise<void>;
  get(listenerId: string, isrc: string): Promise<ResumePosition | null>;
  list(listenerId: string, limit: number): Promise<ResumePosition[]>;
  close(): Promise<void>;
}

/** Everything the origin's listener routes need, built once at the edge from configuration. */
export interface ListenerServices {
  /** Verifies `Authorization` (access tokens; or, only when configured so, no authentication). */
  authenticate: Authenticator;
  tiers: TierTable;
  positions: PositionStore;
  limits: RateLimits;
}
