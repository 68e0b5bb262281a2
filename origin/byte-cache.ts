// In-memory cache for immutable bytes (media objects, manifests, descriptions) under a byte budget,
// evicting in least-recently-used order approximated by second chance (CLOCK): a hit only marks
// the entry, so the hot path is one Map lookup instead of a delete and re-insert per hit.
// Hot content is served from memory; concurrent misses of one key share a single storage read.
// Values are treated as immutable: callers must not modify what they put in or get out.

export interface ByteCacheEviction {
  key: string;
  bytes: number;
  /** Milliseconds since the entry was stored. */
  ageMs: number;
  /** Milliseconds since the entry was last read or written. */
  idleMs: number;
}

export interface ByteCacheOptions {
  maxBytes: number;
  /** Larger values are returned to the caller but never cached. Default: maxBytes / 8. */
  maxEntryBytes?: number;
  /** Called for every entry dropped to stay under the budget (not for replacements or deletes). */
  onEvict?: (eviction: ByteCacheEviction) => void;
  /** Clock in milliseconds, for eviction ages. */
  now?: () => number;
}

export interface ByteCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  evictions: number;
  /** Loader calls made by getOrLoad (misses minus callers that joined a load in flight). */
  loads: number;
}

/** Call it like the work itself: `flight(key, work)`. */
export interface SingleFlight<K, V> {
  /** Runs `work` unless a run for `key` is in flight, in which case its result is shared. */
  (key: K, work: () => Promise<V>): Promise<V>;
  has(key: K): boolean;
  /** Keys in flight. */
  readonly size: number;
}

/**
 * Coalesces concurrent work per key. Nothing is remembered once a run settles, so a failure
 * reaches every caller that joined it and the next call starts afresh.
 */
export function singleFlight<K, V>(): SingleFlight<K, V> {
  const flights = new Map<K, Promise<V>>();
  const run = (key: K, work: () => Promise<V>): Promise<V> => {
    const existing = flights.get(key);
    if (existing) return existing;
    // The work starts on a microtask so the entry is registered even if `work` throws at once.
    const flight: Promise<V> = Promise.resolve()
      .then(work)
      .finally(() => {
        if (flights.get(key) === flight) flights.delete(key);
      });
    flights.set(key, flight);
    return flight;
  };
  return Object.defineProperties(run, {
    has: { value: (key: K) => flights.has(key) },
    size: { get: () => flights.size },
  }) as SingleFlight<K, V>;
}

interface Entry {
  value: Uint8Array;
  storedAt: number;
  usedAt: number;
  /** Read since it was stored or last passed over by eviction: it goes to the back once instead. */
  referenced: boolean;
}

export class ByteCache {
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  // A Map iterates in insertion order: the front is the next eviction candidate.
  readonly #entries = new Map<string, Entry>();
  readonly #flights = singleFlight<string, Uint8Array>();
  readonly #onEvict: ((eviction: ByteCacheEviction) => void) | undefined;
  readonly #now: () => number;
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #loads = 0;

  constructor({ maxBytes, maxEntryBytes = Math.floor(maxBytes / 8), onEvict, now = Date.now }: ByteCacheOptions) {
    if (!Number.isFinite(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be a non-negative number, got ${maxBytes}`);
    if (!Number.isFinite(maxEntryBytes) || maxEntryBytes < 0) throw new RangeError(`maxEntryBytes must be a non-negative number, got ${maxEntryBytes}`);
    this.maxBytes = maxBytes;
    this.maxEntryBytes = Math.min(maxEntryBytes, maxBytes);
    this.#onEvict = onEvict;
    this.#now = now;
  }

  /** The cached value (now marked as used), or undefined. Counts a hit or a miss. */
  get(key: string): Uint8Array | undefined {
    const value = this.#lookup(key);
    if (value) this.#hits += 1;
    else this.#misses += 1;
    return value;
  }

  /**
   * The cached value counted as a hit, or undefined without counting a miss: for callers that
   * answer synchronously when they can and fall back to `getOrLoad`, which counts the miss.
   */
  getIfPresent(key: string): Uint8Array | undefined {
    const value = this.#lookup(key);
    if (value) this.#hits += 1;
    return value;
  }

  /** Looks without counting or touching recency. */
  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** Stores `value` as the most recently used entry; returns false when it is too large to cache. */
  set(key: string, value: Uint8Array): boolean {
    this.delete(key);
    if (value.byteLength > this.maxEntryBytes) return false;
    const stored = compact(value);
    const now = this.#now();
    // Room is made first, so the new entry is never the one given up.
    this.#evictToFit(stored.byteLength, now);
    this.#entries.set(key, { value: stored, storedAt: now, usedAt: now, referenced: false });
    this.#bytes += stored.byteLength;
    return true;
  }

  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#entries.delete(key);
    this.#bytes -= entry.value.byteLength;
    return true;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  /**
   * The cached value, or the loader's result (cached when small enough). Concurrent callers of a
   * missing key share one loader call; a failed load is not cached and reaches every waiter.
   */
  async getOrLoad(key: string, loader: () => Promise<Uint8Array>): Promise<{ value: Uint8Array; hit: boolean }> {
    const cached = this.get(key);
    if (cached) return { value: cached, hit: true };
    const value = await this.#flights(key, async () => {
      this.#loads += 1;
      const loaded = await loader();
      this.set(key, loaded);
      return loaded;
    });
    return { value, hit: false };
  }

  stats(): ByteCacheStats {
    return {
      entries: this.#entries.size,
      bytes: this.#bytes,
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      loads: this.#loads,
    };
  }

  #lookup(key: string): Uint8Array | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    entry.referenced = true;
    entry.usedAt = this.#now();
    return entry.value;
  }

  /** Evicts until `incoming` more bytes fit the budget (it never exceeds maxBytes). */
  #evictToFit(incoming: number, now: number): void {
    for (const [key, entry] of this.#entries) {
      if (this.#bytes + incoming <= this.maxBytes) break;
      this.#entries.delete(key);
      if (entry.referenced) {
        // Second chance: read since it was last here, so it moves to the back, unmarked.
        entry.referenced = false;
        this.#entries.set(key, entry);
        continue;
      }
      this.#bytes -= entry.value.byteLength;
      this.#evictions += 1;
      this.#onEvict?.({ key, bytes: entry.value.byteLength, ageMs: now - entry.storedAt, idleMs: now - entry.usedAt });
    }
  }
}

/**
 * A view into a larger buffer (small Node Buffers share an 8 KiB pool; slices share their parent)
 * would keep all of that memory alive while the budget counts only the view: store a copy.
 */
function compact(value: Uint8Array): Uint8Array {
  if (value.byteOffset === 0 && value.buffer.byteLength === value.byteLength) return value;
  return new Uint8Array(value);
}
