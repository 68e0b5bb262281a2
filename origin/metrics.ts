// Prometheus metrics for the origin. Each call owns its own Registry (never prom-client's global
// one) so tests and several apps in one process do not collide. Label values come from small
// fixed sets: routes are patterns, methods are normalised, caches and operations are names in code.

import { Counter, Gauge, Histogram, type LabelValues, Registry, collectDefaultMetrics } from 'prom-client';
import { isCadenceError } from '../errors/cadence-error.ts';

const PREFIX = 'cadence_';

/** 0.1 ms … 5 s: memory hits are sub-millisecond, storage misses and big ranges take longer. */
export const HTTP_DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** 0.5 ms … 10 s: a local disk answers in well under a millisecond, S3 in tens to thousands. */
export const STORAGE_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface HttpRequestSample {
  /** A route pattern such as `/media/:token/:isrc/:version/*`, never a raw path. */
  route: string;
  method: string;
  status: number;
  /** Response body bytes, when known. */
  bytes?: number | null;
  seconds: number;
}

/** What a cache gauge reads; ByteCache fits. */
export interface CacheStatsSource {
  stats(): { entries: number; bytes: number };
}

export interface OriginMetricsOptions {
  /** Process metrics (CPU, memory, event loop, GC). Default true. */
  defaultMetrics?: boolean;
  /** Clock in seconds for durations; injectable for tests. */
  now?: () => number;
}

export interface OriginMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly httpResponseBytes: Counter<'route'>;
  readonly httpRequestDuration: Histogram<'route'>;
  readonly cacheRequests: Counter<'cache' | 'result'>;
  readonly cacheEvictions: Counter<'cache'>;
  readonly storageRequestDuration: Histogram<'operation'>;
  readonly storageErrors: Counter<'operation'>;
  recordRequest(sample: HttpRequestSample): void;
  recordCache(cache: string, hit: boolean): void;
  recordEviction(cache: string): void;
  /** Exposes `cadence_cache_entries{cache}` and `cadence_cache_bytes{cache}` read at scrape time. */
  trackCache(cache: string, source: CacheStatsSource): void;
  /** Times `fn` into the storage histogram; failures that are storage faults count as errors. */
  timeStorage<T>(operation: string, fn: () => Promise<T>): Promise<T>;
  /** For calls `timeStorage` cannot wrap (iterations): one observation, and an error if failed. */
  observeStorage(operation: string, seconds: number, error?: unknown): void;
  /** The `/metrics` answer. */
  render(): Promise<{ contentType: string; body: string }>;
}

export function createOriginMetrics({ defaultMetrics = true, now = defaultNow }: OriginMetricsOptions = {}): OriginMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix: PREFIX });

  // Per-request counts are tallied in plain numbers and handed over when prom-client collects.
  const requestTally = new Tally<'route' | 'method' | 'status'>();
  const bytesTally = new Tally<'route'>();
  const cacheTally = new Tally<'cache' | 'result'>();
  const httpRequests = new Counter({
    name: `${PREFIX}http_requests_total`,
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
    collect() {
      requestTally.flushInto(this);
    },
  });
  const httpResponseBytes = new Counter({
    name: `${PREFIX}http_response_bytes_total`,
    help: 'Response body bytes sent (as declared by Content-Length), by route pattern.',
    labelNames: ['route'] as const,
    registers,
    collect() {
      bytesTally.flushInto(this);
    },
  });
  const httpRequestDuration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'Time to produce the response (headers ready), by route pattern.',
    labelNames: ['route'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers,
  });
  const cacheRequests = new Counter({
    name: `${PREFIX}cache_requests_total`,
    help: 'Cache lookups by cache and result (hit or miss).',
    labelNames: ['cache', 'result'] as const,
    registers,
    collect() {
      cacheTally.flushInto(this);
    },
  });
  const cacheEvictions = new Counter({
    name: `${PREFIX}cache_evictions_total`,
    help: 'Entries dropped to stay under a cache byte budget.',
    labelNames: ['cache'] as const,
    registers,
  });
  const storageRequestDuration = new Histogram({
    name: `${PREFIX}storage_request_duration_seconds`,
    help: 'Object store call duration by operation (for get: until the body starts streaming).',
    labelNames: ['operation'] as const,
    buckets: STORAGE_DURATION_BUCKETS,
    registers,
  });
  const storageErrors = new Counter({
    name: `${PREFIX}storage_errors_total`,
    help: 'Object store calls that failed (absent objects and caller aborts excluded).',
    labelNames: ['operation'] as const,
    registers,
  });

  const trackedCaches = new Map<string, CacheStatsSource>();
  new Gauge({
    name: `${PREFIX}cache_entries`,
    help: 'Entries held by a cache.',
    labelNames: ['cache'] as const,
    registers,
    collect() {
      for (const [cache, source] of trackedCaches) this.set({ cache }, source.stats().entries);
    },
  });
  new Gauge({
    name: `${PREFIX}cache_bytes`,
    help: 'Bytes held by a cache.',
    labelNames: ['cache'] as const,
    registers,
    collect() {
      for (const [cache, source] of trackedCaches) this.set({ cache }, source.stats().bytes);
    },
  });

  function observeStorage(operation: string, seconds: number, error?: unknown): void {
    storageRequestDuration.observe({ operation }, seconds);
    if (error !== undefined && isStorageFault(error)) storageErrors.inc({ operation });
  }

  return {
    registry,
    httpRequests,
    httpResponseBytes,
    httpRequestDuration,
    cacheRequests,
    cacheEvictions,
    storageRequestDuration,
    storageErrors,
    recordRequest({ route, method, status, bytes, seconds }) {
      const normalised = normaliseMethod(method);
      requestTally.add(`${route} ${normalised} ${status}`, () => ({ route, method: normalised, status: String(status) }));
      if (bytes != null && bytes > 0) bytesTally.add(route, () => ({ route }), bytes);
      httpRequestDuration.observe({ route }, seconds);
    },
    recordCache(cache, hit) {
      const result = hit ? 'hit' : 'miss';
      cacheTally.add(`${cache} ${result}`, () => ({ cache, result }));
    },
    recordEviction(cache) {
      cacheEvictions.inc({ cache });
    },
    trackCache(cache, source) {
      trackedCaches.set(cache, source);
    },
    async timeStorage(operation, fn) {
      const start = now();
      try {
        const result = await fn();
        observeStorage(operation, now() - start);
        return result;
      } catch (error) {
        observeStorage(operation, now() - start, error ?? new Error('undefined thrown'));
        throw error;
      }
    },
    observeStorage,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** A missing object is an answer, and an abort is the caller's choice: neither is a store fault. */
export function isStorageFault(error: unknown): boolean {
  if (isCadenceError(error)) return error.code !== 'NOT_FOUND' && error.code !== 'ABORTED';
  return !(error instanceof Error && error.name === 'AbortError');
}

/** Clients may send any method token; unknown ones share one label value. */
export function normaliseMethod(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : 'OTHER';
}

/**
 * Counts per label set as plain numbers, added to a prom-client counter when it collects (a scrape,
 * or `get()`): prom-client hashes the label set on every `inc`, a cost otherwise paid per request.
 */
class Tally<L extends string> {
  readonly #pending = new Map<string, { labels: LabelValues<L>; value: number }>();

  /** Adds `value` to the series named `key` (`labels` is called the first time the key is seen). */
  add(key: string, labels: () => LabelValues<L>, value = 1): void {
    const entry = this.#pending.get(key);
    if (entry) entry.value += value;
    else this.#pending.set(key, { labels: labels(), value });
  }

  flushInto(counter: Counter<L>): void {
    for (const entry of this.#pending.values()) {
      if (entry.value === 0) continue;
      counter.inc(entry.labels, entry.value);
      entry.value = 0;
    }
  }
}

function defaultNow(): number {
  return performance.now() / 1000;
}
