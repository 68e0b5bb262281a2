// Counts playback grants per track in memory and writes them to the catalog in batches, so
// popularity costs one map increment per grant and one small transaction every few seconds.
// Repeated grants of one track to one client within a window count once (play-dedupe.ts).

import { DEFAULT_PLAY_WINDOW_SECONDS, PlayDedupe } from './play-dedupe.ts';

export interface PlayCounterOptions {
  intervalMs?: number;
  maxPending?: number;
  onError?: (error: unknown) => void;
  /** Grants of one track to one client within this window count once; 0 counts every grant. */
  windowSeconds?: number;
  /** Bound on the (client, track) pairs remembered for the window. */
  maxClients?: number;
  /** Clock in ms, for the window. */
  now?: () => number;
}

export class PlayCounter {
  private pending = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly dedupe: PlayDedupe;

  constructor(
    private readonly write: (counts: Array<{ isrc: string; plays: number }>) => void,
    private readonly options: PlayCounterOptions = {},
  ) {
    const windowSeconds = options.windowSeconds ?? DEFAULT_PLAY_WINDOW_SECONDS;
    this.dedupe = new PlayDedupe({ windowMs: windowSeconds * 1000, maxEntries: options.maxClients, now: options.now });
    this.timer = setInterval(() => this.flush(), options.intervalMs ?? 5_000);
    this.timer.unref();
  }

  /** One grant of `isrc` to the client `clientKey` (listener id, or the remote address). */
  add(isrc: string, clientKey: string): void {
    if (!this.dedupe.admit(clientKey, isrc)) return;
    this.pending.set(isrc, (this.pending.get(isrc) ?? 0) + 1);
    if (this.pending.size >= (this.options.maxPending ?? 1_000)) this.flush();
  }

  flush(): void {
    if (this.pending.size === 0) return;
    const counts = [...this.pending].map(([isrc, plays]) => ({ isrc, plays }));
    this.pending = new Map();
    try {
      this.write(counts);
    } catch (error) {
      // Popularity is a hint: a failed write (e.g. a busy catalog) is reported, never fatal.
      this.options.onError?.(error);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
