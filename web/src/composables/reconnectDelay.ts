// How long the live connection waits before its next attempt: capped exponential growth with
// jitter, so that a restarted server is not hit by every open dashboard in the same instant.

export interface BackoffPolicy {
  /** The wait of the first retry, in milliseconds (before jitter). */
  baseMs: number
  /** No wait is longer than this, in milliseconds. */
  capMs: number
  /** Share of the wait that is random: 0 = none, 1 = full jitter. */
  jitter: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 30_000, jitter: 0.5 }

/**
 * The wait before retry number `attempt` (0 = the first retry after a drop).
 *
 * The ceiling doubles per attempt up to `capMs`; the wait is drawn uniformly from
 * `[ceiling * (1 - jitter), ceiling]` using `random()` in [0, 1).
 */
export function reconnectDelayMs(
  attempt: number,
  random: () => number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30)
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent)
  const floor = ceiling * (1 - policy.jitter)
  return Math.round(floor + (ceiling - floor) * random())
}
