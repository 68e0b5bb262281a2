// A cache policy that must not outlive a deadline (a release's covers after its last track's rights
// end). A policy whose reach (the longer of max-age and s-maxage, plus any stale-while-revalidate
// or stale-if-error) ends before the deadline is kept as it is; otherwise the answer may be kept
// only until the deadline, by anyone, and never served stale past it.

const SECONDS = /(?:^|,)\s*(max-age|s-maxage|stale-while-revalidate|stale-if-error)\s*=\s*(\d+)/g;

/** How long, at most, some cache may keep (or serve stale) an answer sent with `policy`, in seconds. */
export function cacheReachSeconds(policy: string): number {
  const seconds: Record<string, number> = {};
  for (const [, directive, value] of policy.toLowerCase().matchAll(SECONDS)) seconds[directive!] = Number(value);
  const fresh = Math.max(seconds['max-age'] ?? 0, seconds['s-maxage'] ?? 0);
  return fresh + Math.max(seconds['stale-while-revalidate'] ?? 0, seconds['stale-if-error'] ?? 0);
}

/** `policy`, or `public, max-age=<secondsLeft>` when the policy would keep the answer past the deadline. */
export function cappedCacheControl(policy: string, secondsLeft: number): string {
  if (!Number.isFinite(secondsLeft) || cacheReachSeconds(policy) <= secondsLeft) return policy;
  return `public, max-age=${Math.max(0, Math.floor(secondsLeft))}`;
}
