// Signed playback URLs expire (`/hls/s/<expires>/<token>/<slug>/…`, docs/architecture.md
// "Signed playback"): a player still on one past its expiry gets 410 for every segment. The
// channel page asks the API for a fresh URL before that, and the player follows the new one.

import { defaultSchedule, type Schedule } from './envelopeBatcher'

const SIGNED_PATH = /\/(?:hls|thumbs)\/s\/(\d+)\/[^/]+\//

/** How long before the expiry a fresh URL is asked for, at most (half the time left, if less). */
export const REFRESH_MARGIN_MS = 60_000
/** The shortest wait between two refreshes (a URL that comes back unchanged, a skewed clock). */
export const MIN_REFRESH_DELAY_MS = 5_000

/** The expiry (Unix seconds) of a signed playback URL; null for an unsigned one. */
export function signedExpiry(url: string): number | null {
  const match = SIGNED_PATH.exec(url)
  return match ? Number(match[1]) : null
}

/**
 * How long to wait before asking for a fresh URL: `REFRESH_MARGIN_MS` before the expiry, or
 * half of the time left when that is shorter (the TTL may be as short as 30 s).
 */
export function refreshDelayMs(expiresS: number, nowMs: number): number {
  const left = expiresS * 1000 - nowMs
  const margin = Math.min(REFRESH_MARGIN_MS, left / 2)
  return Math.max(MIN_REFRESH_DELAY_MS, left - margin)
}

/**
 * Call `refresh` once, in time to replace the signed `url` before it expires; nothing for an
 * unsigned one. Returns the function that cancels it.
 */
export function schedulePlaybackRefresh(
  url: string | null | undefined,
  refresh: () => void,
  now: () => number = Date.now,
  schedule: Schedule = defaultSchedule,
): () => void {
  const expires = url ? signedExpiry(url) : null
  if (expires === null) return () => undefined
  return schedule(refresh, refreshDelayMs(expires, now()))
}
