// Counts playback grants per track in memory and writes them to the catalog in batches, so
// popularity costs one map increment per grant and one small transaction every few seconds.

export class PlayCounter {
  private pending = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly write: (counts: Array<{ isrc: string; plays: number }>) => void,
    private readonly options: { intervalMs?: number; maxPending?: number; onError?: (error: unknown) => void } = {},
  ) {
    this.timer = setInterval(() => this.flush(), options.intervalMs ?? 5_000);
    this.timer.unref();
  }

  add(isrc: string): void {
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
