// The cover route's path for a release (`/v1/releases/{id}/cover`), in a module of its own so the
// CLI's CDN purge names exactly what the route serves without loading the route (sharp, hono).

/** The path without a query: every size and version of the release's cover is cached under it. */
export const coverPath = (upc: string): string => `/v1/releases/${upc}/cover`;
