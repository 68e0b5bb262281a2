// Headless Chromium for player tests: launch flags that let media play in a container, and a
// helper that loads a player page and reports what the player did.

import { chromium } from 'playwright-core';
import type { Browser, LaunchOptions } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
  // No sound card in a container: without this Chromium probes ALSA, logs errors and only then
  // falls back to a fake sink. This goes straight to the fake sink, which still consumes
  // audio in real time, so currentTime advances as it would on a real device.
  '--disable-audio-output',
  '--mute-audio',
];

export interface LaunchBrowserOptions {
  /** Extra Chromium switches, appended after the defaults. */
  args?: string[];
  timeoutMs?: number;
}

export function launchBrowser(options: LaunchBrowserOptions = {}): Promise<Browser> {
  const launch: LaunchOptions = {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    timeout: options.timeoutMs ?? 30_000,
  };
  return chromium.launch(launch);
}

export interface PlayerError {
  /** `hls`, `dash`, `dash:playback`, `media`, `play`, `harness`, `page` (uncaught exception). */
  source: string;
  fatal?: boolean;
  details?: string;
  [key: string]: unknown;
}

export interface PlayerEvent {
  type: string;
  /** Milliseconds since the page script started. */
  t: number;
  detail: unknown;
}

/** What the page says is under the playhead (see test/players/*.html). */
export interface PlayingRendition {
  /** hls.js: level index. */
  level?: number;
  /** dash.js: Representation@id. */
  id?: string;
  bitrate?: number | null;
  bandwidth?: number | null;
  /** Declared codecs (master playlist CODECS / MPD @codecs). */
  codecs?: string | null;
  /** hls.js only: codec hls.js handed to MSE after parsing the init segment. */
  bufferCodec?: string | null;
  [key: string]: unknown;
}

/** `window.__player` as both player pages fill it in. */
export interface PlayerState {
  player: string;
  version: string | null;
  errors: PlayerError[];
  events: PlayerEvent[];
  currentTime: number;
  playingAt: number | null;
  timeToPlayingMs: number | null;
  playingRendition: PlayingRendition | null;
  [key: string]: unknown;
}

export interface PlayUntilOptions {
  browser: Browser;
  pageUrl: string;
  /** Seconds of media time that must pass. */
  minTime?: number;
  timeoutMs?: number;
  /** Return as soon as a fatal error is recorded instead of waiting out the timeout. */
  stopOnFatal?: boolean;
}

export interface PlayUntilResult {
  currentTime: number;
  errors: PlayerError[];
  playingRendition: PlayingRendition | null;
  timeToPlayingMs: number | null;
  /** True when currentTime passed minTime before the timeout. */
  reached: boolean;
  elapsedMs: number;
  /** The whole page state, for debugging failed assertions. */
  state: PlayerState | null;
  console: string[];
}

export async function playUntil(options: PlayUntilOptions): Promise<PlayUntilResult> {
  const { browser, pageUrl, minTime = 3, timeoutMs = 20_000, stopOnFatal = true } = options;
  const started = Date.now();
  const context = await browser.newContext();
  const consoleLines: string[] = [];
  const pageErrors: PlayerError[] = [];
  try {
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') consoleLines.push(`${msg.type()}: ${msg.text()}`);
    });
    // A script crash in the page would otherwise just look like "never started playing".
    page.on('pageerror', (err) => pageErrors.push({ source: 'page', fatal: true, details: err.message }));

    await page.goto(pageUrl, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
    const remaining = Math.max(1, timeoutMs - (Date.now() - started));
    let reached = false;
    try {
      await page.waitForFunction(
        ({ minTime, stopOnFatal }) => {
          const audio = document.querySelector('audio');
          const state = (window as unknown as { __player?: { errors: Array<{ fatal?: boolean }> } }).__player;
          if (audio && audio.currentTime > minTime) return 'reached';
          if (stopOnFatal && state && state.errors.some((e) => e.fatal)) return 'fatal';
          return false;
        },
        { minTime, stopOnFatal },
        { timeout: remaining, polling: 100 },
      );
      reached = await page.evaluate((min) => (document.querySelector('audio')?.currentTime ?? 0) > min, minTime);
    } catch (err) {
      if (!(err instanceof Error && err.name === 'TimeoutError')) throw err;
    }

    const state = await page.evaluate(() => {
      const s = (window as unknown as { __player?: unknown }).__player;
      const audio = document.querySelector('audio');
      // Round-trip through JSON so only plain data crosses back.
      const copy = s ? (JSON.parse(JSON.stringify(s)) as Record<string, unknown>) : null;
      if (copy && audio) copy['currentTime'] = audio.currentTime;
      return copy;
    });
    const playerState = state as PlayerState | null;
    const errors = [...(playerState?.errors ?? []), ...pageErrors];
    if (!playerState) errors.push({ source: 'harness', fatal: true, details: 'page did not set window.__player' });

    return {
      currentTime: playerState?.currentTime ?? 0,
      errors,
      playingRendition: playerState?.playingRendition ?? null,
      timeToPlayingMs: playerState?.timeToPlayingMs ?? null,
      reached,
      elapsedMs: Date.now() - started,
      state: playerState,
      console: consoleLines,
    };
  } finally {
    await context.close();
  }
}

/** `http://host/__players/hls.html?src=...&level=...` for a server from startStaticServer. */
export function playerPageUrl(
  serverUrl: string,
  player: 'hls' | 'dash',
  manifestUrl: string,
  rendition?: number | string,
): string {
  const page = new URL(`/__players/${player}.html`, serverUrl);
  page.searchParams.set('src', new URL(manifestUrl, serverUrl).href);
  if (rendition !== undefined) page.searchParams.set(player === 'hls' ? 'level' : 'rep', String(rendition));
  return page.href;
}
