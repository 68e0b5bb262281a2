// Remembers which client was granted which track recently, so that asking for the same grant
// again and again within a window counts as one play: popularity cannot be pumped by a loop.
// Memory is bounded: past `maxEntries`, the oldest entries go first (such a client may then
// count once more, which is the price of a fixed budget).

export interface PlayDedupeOptions {
  /** Grants of one track to one client within this many ms count once. */
  windowMs: number;
  /** Pairs (client, track) remembered at most; ~150 bytes each. */
  maxEntries?: number;
  /** Clock in ms; tests pin it. */
  now?: () => number;
}

export const DEFAULT_PLAY_WINDOW_SECONDS = 1800;
const DEFAULT_MAX_ENTRIES = 200_000;

export class PlayDedupe {
  // Key → when its window ends. Every entry has the same window, so insertion order is also
  // expiry order: expired entries are always at the front.
  private readonly seen = new Map<string, number>();
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor({ windowMs, maxEntries = DEFAULT_MAX_ENTRIES, now = Date.now }: PlayDedupeOptions) {
    this.windowMs = windowMs;
    this.maxEntries = maxEntries;
    this.now = now;
  }

  /** True when this is the first grant of `isrc` to `clientKey` within the window (and remembers it). */
  admit(clientKey: string, isrc: string): boolean {
    if (this.windowMs <= 0) return true;
    const at = this.now();
    this.dropExpired(at);
    const key = `${isrc} ${clientKey}`;
    const until = this.seen.get(key);
    if (until !== undefined && until > at) return false;
    this.seen.delete(key);
    this.seen.set(key, at + this.windowMs);
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private dropExpired(at: number): void {
    for (const [key, until] of this.seen) {
      if (until > at) return;
      this.seen.delete(key);
    }
  }
}
